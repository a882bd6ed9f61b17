/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** P2P topology: the graph, its legend, the links as a table, and the refused non-member peers. */
import { h } from 'preact';
import type { DashboardSnapshot } from '../../../protocol.js';
import { formatBytesPerSecond, formatCount, formatSeconds } from '../../format.js';
import { STATUS_COLOURS } from '../colors.js';
import { Section, Table } from '../parts.js';
import { TopologyGraph, linkId } from '../topology.js';

export function TopologyView({ data }: { readonly data: DashboardSnapshot }) {
  const members = data.members.map((member) => member.id);
  const { links, refusedNonMembers } = data.topology;
  const up = links.filter((link) => link.connected).length;
  return h(
    'div',
    null,
    h('p', { class: 'summary', 'data-testid': 'topology-summary' }, `${up} of ${links.length} directed links up`),
    h(TopologyGraph, { members, cards: data.cards, topology: data.topology }),
    h(
      'ul',
      { class: 'legend' },
      h('li', null, h('span', { class: 'swatch', style: { background: STATUS_COLOURS.up } }), 'RTT < 10 ms'),
      h('li', null, h('span', { class: 'swatch', style: { background: STATUS_COLOURS.degraded } }), '10-50 ms'),
      h('li', null, h('span', { class: 'swatch', style: { background: STATUS_COLOURS.down } }), '> 50 ms'),
      h('li', null, h('span', { class: 'swatch dashed' }), 'link down'),
      h('li', null, 'edge width: bytes sent per second'),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        Section,
        { title: 'Links' },
        h(Table, {
          testid: 'links',
          columns: ['From', 'To', 'State', 'RTT', 'Sent'],
          rows: links.map((link) => [link.from, link.to, link.connected ? 'up' : 'down', formatSeconds(link.rttSeconds), formatBytesPerSecond(link.sentBytesPerSecond)]),
          rowAttributes: links.map((link) => ({ 'data-link': linkId(link.from, link.to), 'data-connected': String(link.connected) })),
          empty: 'No link measured yet.',
        }),
      ),
      h(
        Section,
        { title: 'Refused non-member peers', testid: 'refused-peers' },
        h(Table, {
          testid: 'refused-table',
          columns: ['Refused by', 'Connections refused'],
          rows: refusedNonMembers.map((item) => [item.member, formatCount(item.refused)]),
          empty: 'No connection from a non-member refused.',
        }),
      ),
    ),
  );
}
