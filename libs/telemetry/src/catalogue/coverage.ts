import { listCataloguedMetrics, type CataloguedMetric } from './index.js';
import type { MetricType } from './types.js';

/**
 * What the operators asked to see (issue 9, "Metrics"), topic by topic, and the catalogued
 * metrics that answer each. A test fails when a topic has no metric, or when its metric lacks
 * the label (or label value) the topic needs: "missed votes per validator" without `member`
 * would answer the wrong question.
 */

export type MetricTopicArea = 'blockchain health' | 'zkp operations' | 'settlement processing' | 'security' | 'resources';

export interface TopicMetric {
  readonly name: string;
  readonly type?: MetricType;
  /** Labels the metric must carry; a listed value must be among the label's closed values (a run-time label lists none). */
  readonly labels?: Readonly<Record<string, readonly string[]>>;
}

export interface MetricTopic {
  readonly area: MetricTopicArea;
  readonly topic: string;
  /** Every metric listed must be catalogued as described. */
  readonly metrics: readonly TopicMetric[];
}

export const METRIC_TOPICS: readonly MetricTopic[] = [
  { area: 'blockchain health', topic: 'height', metrics: [{ name: 'consortium_consensus_height', type: 'gauge' }, { name: 'consortium_consensus_last_block_time_seconds', type: 'gauge' }] },
  { area: 'blockchain health', topic: 'block interval', metrics: [{ name: 'consortium_consensus_block_interval_seconds', type: 'histogram' }] },
  { area: 'blockchain health', topic: 'transactions', metrics: [{ name: 'consortium_consensus_committed_txs_total', type: 'counter' }, { name: 'consortium_consensus_block_txs', type: 'histogram' }, { name: 'consortium_consensus_mempool_txs', type: 'gauge' }] },
  { area: 'blockchain health', topic: 'rounds per height', metrics: [{ name: 'consortium_consensus_block_rounds', type: 'histogram' }, { name: 'consortium_consensus_round_changes_total', type: 'counter', labels: { reason: ['timeout'] } }] },
  { area: 'blockchain health', topic: 'missed votes per validator', metrics: [{ name: 'consortium_consensus_missed_blocks_total', type: 'counter', labels: { member: [] } }, { name: 'consortium_consensus_missing_validators', type: 'gauge' }] },
  {
    area: 'blockchain health',
    topic: 'P2P connectivity',
    metrics: [
      { name: 'consortium_p2p_connected_peers', type: 'gauge' },
      { name: 'consortium_p2p_peer_connected', type: 'gauge', labels: { member: [] } },
      { name: 'consortium_p2p_quorum_reachable', type: 'gauge' },
      { name: 'consortium_p2p_peer_rtt_seconds', labels: { member: [] } },
    ],
  },
  {
    area: 'blockchain health',
    topic: 'P2P traffic',
    metrics: [
      { name: 'consortium_p2p_sent_bytes_total', type: 'counter', labels: { member: [], protocol: ['consensus', 'tx'] } },
      { name: 'consortium_p2p_received_bytes_total', type: 'counter', labels: { member: [], protocol: ['consensus', 'tx'] } },
    ],
  },
  {
    area: 'zkp operations',
    topic: 'proving',
    metrics: [
      { name: 'consortium_zkp_prove_duration_seconds', type: 'histogram', labels: { circuit: [] } },
      { name: 'consortium_zkp_proofs_total', type: 'counter', labels: { outcome: ['proved', 'failed'] } },
      { name: 'consortium_zkp_prover_queue_depth', type: 'gauge' },
    ],
  },
  {
    area: 'zkp operations',
    topic: 'verification',
    metrics: [
      { name: 'consortium_zkp_verify_duration_seconds', type: 'histogram', labels: { circuit: [] } },
      { name: 'consortium_zkp_verifications_total', type: 'counter', labels: { outcome: ['valid', 'invalid'] } },
    ],
  },
  { area: 'zkp operations', topic: 'key epochs', metrics: [{ name: 'consortium_zkp_key_epoch', type: 'gauge' }] },
  {
    area: 'settlement processing',
    topic: 'transactions and statements',
    metrics: [
      { name: 'consortium_settlement_txs_total', type: 'counter', labels: { type: ['propose_statement', 'accept_statement'], code: ['ok'] } },
      { name: 'consortium_settlement_statements', type: 'gauge', labels: { state: ['proposed', 'accepted', 'disputed'] } },
      { name: 'consortium_settlement_finalize_block_seconds', type: 'histogram' },
    ],
  },
  {
    area: 'settlement processing',
    topic: 'disputes, anomalies and deadlines',
    metrics: [
      { name: 'consortium_settlement_disputes_total', type: 'counter', labels: { event: ['opened'] } },
      { name: 'consortium_settlement_anomalies_total', type: 'counter' },
      { name: 'consortium_settlement_oldest_unanswered_statement_age_seconds', type: 'gauge' },
    ],
  },
  { area: 'security', topic: 'authentication attempts by outcome', metrics: [{ name: 'consortium_security_auth_attempts_total', type: 'counter', labels: { outcome: ['success', 'bad_credentials'] } }] },
  {
    area: 'security',
    topic: 'rate limiting',
    metrics: [
      { name: 'consortium_security_rate_limited_requests_total', type: 'counter', labels: { route: [] } },
      { name: 'consortium_p2p_rate_limited_messages_total', type: 'counter', labels: { member: [] } },
    ],
  },
  { area: 'security', topic: 'refused peers', metrics: [{ name: 'consortium_security_refused_peers_total', type: 'counter', labels: { reason: ['not_member'] } }] },
  { area: 'security', topic: 'invalid messages', metrics: [{ name: 'consortium_security_invalid_messages_total', type: 'counter', labels: { kind: ['malformed', 'bad_signature'] } }] },
  {
    area: 'security',
    topic: 'invalid proofs',
    metrics: [
      { name: 'consortium_security_invalid_messages_total', type: 'counter', labels: { kind: ['invalid_proof'] } },
      { name: 'consortium_settlement_proof_verifications_total', type: 'counter', labels: { outcome: ['invalid'] } },
    ],
  },
  { area: 'security', topic: 'equivocations', metrics: [{ name: 'consortium_security_equivocations_total', type: 'counter', labels: { member: [] } }] },
  {
    area: 'resources',
    topic: 'CPU',
    metrics: [
      { name: 'consortium_process_cpu_seconds_total', type: 'counter', labels: { mode: ['user', 'system'] } },
      { name: 'consortium_host_cpu_seconds_total', type: 'counter', labels: { mode: ['idle'] } },
      { name: 'consortium_host_cpu_cores', type: 'gauge' },
    ],
  },
  { area: 'resources', topic: 'memory', metrics: [{ name: 'consortium_process_resident_memory_bytes', type: 'gauge' }, { name: 'consortium_host_memory_bytes', type: 'gauge', labels: { state: ['total', 'available'] } }] },
  {
    area: 'resources',
    topic: 'heap',
    metrics: [
      { name: 'consortium_process_heap_bytes', type: 'gauge', labels: { kind: ['used', 'total', 'limit'] } },
      { name: 'consortium_process_heap_used_ratio', type: 'gauge' },
      // The prover workers are isolates of their own: outside the process's heap figures.
      { name: 'consortium_zkp_prover_worker_memory_bytes', type: 'gauge', labels: { kind: ['used', 'external'] } },
    ],
  },
  { area: 'resources', topic: 'event loop', metrics: [{ name: 'consortium_process_event_loop_delay_seconds', type: 'gauge', labels: { percentile: ['p99'] } }] },
  { area: 'resources', topic: 'disk of the data dir', metrics: [{ name: 'consortium_host_data_disk_bytes', type: 'gauge', labels: { state: ['size', 'used', 'free'] } }, { name: 'consortium_storage_db_size_bytes', type: 'gauge' }] },
  { area: 'resources', topic: 'network bytes', metrics: [{ name: 'consortium_host_network_bytes_total', type: 'counter', labels: { interface: [], direction: ['receive', 'transmit'] } }] },
];

/** Where the catalogue falls short of `topics`, one sentence each (empty: every topic covered). */
export function findTopicGaps(topics: readonly MetricTopic[] = METRIC_TOPICS, catalogue: readonly CataloguedMetric[] = listCataloguedMetrics()): string[] {
  const byName = new Map(catalogue.map(({ definition }) => [definition.name, definition]));
  const gaps: string[] = [];
  for (const { area, topic, metrics } of topics) {
    const say = (problem: string) => gaps.push(`${area} / ${topic}: ${problem}`);
    if (metrics.length === 0) say('no metric covers it');
    for (const wanted of metrics) {
      const definition = byName.get(wanted.name);
      if (definition === undefined) {
        say(`${wanted.name} is not in the catalogue`);
        continue;
      }
      if (wanted.type !== undefined && definition.type !== wanted.type) say(`${wanted.name} is a ${definition.type}, not a ${wanted.type}`);
      for (const [label, values] of Object.entries(wanted.labels ?? {})) {
        const declared = definition.labels[label];
        if (declared === undefined) {
          say(`${wanted.name} has no label ${label}`);
          continue;
        }
        const missing = Array.isArray(declared) ? values.filter((value) => !declared.includes(value)) : values;
        if (missing.length > 0) say(`${wanted.name}: label ${label} lacks ${missing.join(', ')}`);
      }
    }
  }
  return gaps;
}
