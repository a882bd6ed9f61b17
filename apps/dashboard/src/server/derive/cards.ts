import type { MemberCard, OverallStatus } from '../../protocol.js';
import { latestValues, rates, sumBy } from '../collect/queries.js';
import { memberOf, type DeriveContext } from './context.js';

/**
 * The consortium-health cards: one per member in genesis order. Down when its last collection
 * failed; degraded when it answers but is syncing, halted, is connected to too few members for a
 * quorum (itself and its peers, more than two thirds), or has alerts firing; up otherwise. Values
 * come from its last successful scrape (null when down).
 */

/** Votes for a BFT quorum among `members`: more than two thirds. */
export const quorumOf = (members: number): number => Math.floor((2 * members) / 3) + 1;

const one = (values: Map<string, number>, member: string) => values.get(member) ?? null;

export function memberCards(context: DeriveContext, firingAlertsByMember: ReadonlyMap<string, number>): MemberCard[] {
  const { store, nowMs, rateWindowMs } = context;
  const since = nowMs - rateWindowMs;
  const latest = (metric: string, match?: (labels: Readonly<Record<string, string>>) => boolean) => sumBy(latestValues(store, metric, since, match), memberOf);
  const heights = latest('consortium_consensus_height');
  const peers = latest('consortium_p2p_connected_peers');
  const lastBlock = latest('consortium_consensus_last_block_time_seconds');
  const rss = latest('consortium_process_resident_memory_bytes');
  const syncing = latest('consortium_consensus_syncing');
  const halted = latest('consortium_consensus_halted');
  const cpu = sumBy(rates(store, 'consortium_process_cpu_seconds_total', since, nowMs), memberOf);
  const versions = new Map<string, string>();
  for (const { labels } of latestValues(store, 'consortium_process_info', since)) {
    const member = memberOf(labels);
    if (member !== null && labels['version'] !== undefined) versions.set(member, labels['version']);
  }

  return context.targets.members.map((target): MemberCard => {
    const scrape = context.round.members.get(target.id);
    if (scrape === undefined || !scrape.up) {
      return { member: target.id, status: 'down', reason: scrape?.reason ?? 'not collected yet', height: null, peers: null, lastBlockAgeSeconds: null, cpuRatio: null, residentMemoryBytes: null, version: null, lastSeenMs: scrape?.lastSeenMs ?? null };
    }
    const reasons: string[] = [];
    if (one(halted, target.id) === 1) reasons.push('consensus halted');
    if (one(syncing, target.id) === 1) reasons.push('syncing');
    const connected = one(peers, target.id);
    if (connected !== null && connected + 1 < quorumOf(context.targets.members.length)) reasons.push(`connected to ${connected} of ${context.targets.members.length - 1} peers: no quorum`);
    const firing = firingAlertsByMember.get(target.id) ?? 0;
    if (firing > 0) reasons.push(`${firing} alert${firing === 1 ? '' : 's'} firing`);
    const lastBlockSeconds = one(lastBlock, target.id);
    const height = one(heights, target.id);
    return {
      member: target.id,
      status: reasons.length === 0 ? 'up' : 'degraded',
      reason: reasons.length === 0 ? null : reasons.join(', '),
      height,
      peers: one(peers, target.id),
      lastBlockAgeSeconds: lastBlockSeconds === null || lastBlockSeconds <= 0 ? null : Math.max(0, nowMs / 1000 - lastBlockSeconds),
      cpuRatio: one(cpu, target.id),
      residentMemoryBytes: one(rss, target.id),
      version: versions.get(target.id) ?? null,
      lastSeenMs: scrape.lastSeenMs,
    };
  });
}

/** BFT needs more than two thirds of the members: fewer up is `down`, any member not up is `degraded`. */
export function overallStatus(cards: readonly MemberCard[]): OverallStatus {
  const answering = cards.filter((card) => card.status !== 'down').length;
  if (answering < quorumOf(cards.length)) return 'down';
  return cards.every((card) => card.status === 'up') ? 'healthy' : 'degraded';
}
