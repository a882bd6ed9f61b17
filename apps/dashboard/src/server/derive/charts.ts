import type { ChartKey } from '../../protocol.js';
import { histogramMeans, histogramQuantiles, latestValues, maxBy, rates, sumBy, type LabelMatch } from '../collect/queries.js';
import { memberOf, peerOf, type DeriveContext } from './context.js';

/**
 * One point of every chart of CHART_SPECS for the round just collected: its series (members in
 * genesis order, validators, percentiles or outcomes) and a value per series (null: nothing to
 * show, e.g. a member down or no block in the window). Rates come from counter deltas, latency
 * percentiles from histogram bucket deltas, over the rate window.
 */

export interface ChartPoint {
  readonly series: readonly string[];
  readonly values: readonly (number | null)[];
}

export const PERCENTILES = [
  { name: 'p50', q: 0.5 },
  { name: 'p95', q: 0.95 },
] as const;

export function chartPoints(context: DeriveContext): Record<ChartKey, ChartPoint> {
  const { store, nowMs, rateWindowMs, targets } = context;
  const since = nowMs - rateWindowMs;
  const members = targets.members.map((m) => m.id);
  const upMembers = new Set(members.filter((m) => context.round.members.get(m)?.up === true));
  const perMember = (values: Map<string, number>): ChartPoint => ({ series: members, values: members.map((m) => (upMembers.has(m) ? (values.get(m) ?? null) : null)) });
  const latest = (metric: string, match?: LabelMatch) => perMember(sumBy(latestValues(store, metric, since, match), memberOf));
  const rate = (metric: string, match?: LabelMatch) => perMember(sumBy(rates(store, metric, since, nowMs, match), memberOf));
  const percentiles = (base: string): ChartPoint => {
    const quantiles = histogramQuantiles(store, base, PERCENTILES.map((p) => p.q), since, nowMs, () => '').get('');
    return { series: PERCENTILES.map((p) => p.name), values: PERCENTILES.map((_, i) => quantiles?.[i] ?? null) };
  };
  const byLabel = (values: Map<string, number>): ChartPoint => {
    const series = [...values.keys()].sort();
    return { series, values: series.map((name) => values.get(name)!) };
  };
  // Every node counts the blocks each validator missed from the same commits: the largest count is the chain's.
  const missed = maxBy(rates(store, 'consortium_consensus_missed_blocks_total', since, nowMs), peerOf);

  return {
    height: latest('consortium_consensus_height'),
    blockInterval: perMember(histogramMeans(store, 'consortium_consensus_block_interval_seconds', since, nowMs, memberOf)),
    txThroughput: rate('consortium_consensus_committed_txs_total'),
    roundsPerHeight: perMember(histogramMeans(store, 'consortium_consensus_block_rounds', since, nowMs, memberOf)),
    missedVotes: { series: members, values: members.map((m) => missed.get(m) ?? (missed.size > 0 ? 0 : null)) },
    proveLatency: percentiles('consortium_zkp_prove_duration_seconds'),
    verifyLatency: percentiles('consortium_zkp_verify_duration_seconds'),
    proverQueue: latest('consortium_zkp_prover_queue_depth'),
    proofsRate: byLabel(sumBy(rates(store, 'consortium_zkp_proofs_total', since, nowMs), (labels) => labels['outcome'] ?? null)),
    authFailures: rate('consortium_security_auth_attempts_total', (labels) => labels['outcome'] !== 'success'),
    rateLimited: rate('consortium_security_rate_limited_requests_total'),
    cpu: rate('consortium_process_cpu_seconds_total'),
    memory: latest('consortium_process_resident_memory_bytes'),
    heap: latest('consortium_process_heap_bytes', (labels) => labels['kind'] === 'used'),
    eventLoop: latest('consortium_process_event_loop_delay_seconds', (labels) => labels['percentile'] === 'p99'),
    disk: latest('consortium_host_data_disk_bytes', (labels) => labels['state'] === 'used'),
    network: rate('consortium_host_network_bytes_total'),
  };
}
