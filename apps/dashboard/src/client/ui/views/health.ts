/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Consortium health: the overall status and a card per member in genesis order. */
import { h } from 'preact';
import type { DashboardSnapshot, MemberCard } from '../../../protocol.js';
import { formatAge, formatBytes, formatClock, formatCount, formatRatio, UNKNOWN } from '../../format.js';
import { memberColour } from '../colors.js';
import { KeyValues } from '../parts.js';

function Card({ card, members, tadig }: { readonly card: MemberCard; readonly members: readonly string[]; readonly tadig: string }) {
  return h(
    'article',
    { class: `card status-${card.status}`, 'data-testid': `card-${card.member}`, 'data-status': card.status, style: { borderTopColor: memberColour(members, card.member) } },
    h('header', null, h('strong', null, card.member), h('span', { class: 'tadig' }, tadig), h('span', { class: `badge status-${card.status}` }, card.status)),
    card.reason === null ? null : h('p', { class: 'reason' }, card.reason),
    h(KeyValues, {
      items: [
        ['Height', formatCount(card.height)],
        ['Peers', card.peers === null ? UNKNOWN : `${card.peers} of ${members.length - 1}`],
        ['Last block', formatAge(card.lastBlockAgeSeconds)],
        ['CPU', formatRatio(card.cpuRatio)],
        ['Memory', formatBytes(card.residentMemoryBytes)],
        ['Version', card.version ?? UNKNOWN],
        ['Last seen', card.lastSeenMs === null ? UNKNOWN : formatClock(card.lastSeenMs)],
      ],
    }),
  );
}

function firingText(count: number): string {
  return count === 1 ? '1 alert firing' : `${count} alerts firing`;
}

export function HealthView({ data }: { readonly data: DashboardSnapshot }) {
  const members = data.members.map((member) => member.id);
  const counts = { up: 0, degraded: 0, down: 0 };
  for (const card of data.cards) counts[card.status]++;
  return h(
    'div',
    null,
    h(
      'div',
      { class: `overall status-${data.overall}`, 'data-testid': 'overall', 'data-status': data.overall },
      h('strong', null, `Consortium ${data.overall}`),
      h('span', null, `${counts.up} up, ${counts.degraded} degraded, ${counts.down} down of ${data.members.length} members`),
      h('span', null, firingText(data.alerts.active.filter((alert) => alert.state === 'firing').length)),
    ),
    h('div', { class: 'cards' }, ...data.cards.map((card) => h(Card, { key: card.member, card, members, tadig: data.members.find((member) => member.id === card.member)?.tadig ?? '' }))),
  );
}
