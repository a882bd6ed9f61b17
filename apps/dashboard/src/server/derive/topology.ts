import type { Topology, TopologyLink } from '../../protocol.js';
import { latestValues, rates } from '../collect/queries.js';
import { memberOf, peerOf, type DeriveContext } from './context.js';

/**
 * The P2P topology: for each ordered pair of members (from, to), what `from` measures of its
 * link to `to` (connected, RTT, bytes sent per second over all protocols). A member that is
 * down measures nothing: its links show disconnected, so its edges drop. Refused non-members
 * are counted by the member that refused them.
 */
export function topology(context: DeriveContext): Topology {
  const { store, nowMs, rateWindowMs, targets } = context;
  const since = nowMs - rateWindowMs;
  const key = (from: string | null, to: string | null) => (from === null || to === null ? null : `${from}\u0000${to}`);
  const connected = new Map<string, number>();
  for (const { labels, value } of latestValues(store, 'consortium_p2p_peer_connected', since)) {
    const pair = key(memberOf(labels), peerOf(labels));
    if (pair !== null) connected.set(pair, value);
  }
  const rtt = new Map<string, number>();
  for (const { labels, value } of latestValues(store, 'consortium_p2p_peer_rtt_seconds', since)) {
    const pair = key(memberOf(labels), peerOf(labels));
    if (pair !== null) rtt.set(pair, value);
  }
  const sent = new Map<string, number>();
  for (const { labels, value } of rates(store, 'consortium_p2p_sent_bytes_total', since, nowMs)) {
    const pair = key(memberOf(labels), peerOf(labels));
    if (pair !== null) sent.set(pair, (sent.get(pair) ?? 0) + value);
  }
  const links: TopologyLink[] = [];
  for (const from of targets.members) {
    const up = context.round.members.get(from.id)?.up === true;
    for (const to of targets.members) {
      if (from.id === to.id) continue;
      const pair = key(from.id, to.id)!;
      links.push({ from: from.id, to: to.id, connected: up && connected.get(pair) === 1, rttSeconds: up ? (rtt.get(pair) ?? null) : null, sentBytesPerSecond: up ? (sent.get(pair) ?? null) : null });
    }
  }
  const refused = new Map<string, number>();
  for (const { labels, value } of latestValues(store, 'consortium_security_refused_peers_total', since, (labels) => labels['reason'] === 'not_member')) {
    const member = memberOf(labels);
    if (member !== null) refused.set(member, (refused.get(member) ?? 0) + value);
  }
  return { links, refusedNonMembers: targets.members.filter((m) => (refused.get(m.id) ?? 0) > 0).map((m) => ({ member: m.id, refused: refused.get(m.id)! })) };
}
