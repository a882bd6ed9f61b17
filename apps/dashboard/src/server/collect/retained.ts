/**
 * The metric families the dashboard keeps raw samples of: what its cards, charts and views read,
 * and what the alert rules of the issue need (node down, stalls, rounds, missed votes, peers,
 * slow blocks, equivocation, proofs, auth and rate-limit spikes, refused peers, settlement
 * anomalies and disputes, unanswered statements, CPU, memory, disk, event loop). Keeping only
 * these bounds the store by the catalogue, not by whatever a page carries. An alert evaluator
 * may name more (`AlertEvaluator.metrics`).
 */
export const UP_METRIC = 'up';

const HISTOGRAM = (base: string) => [`${base}_bucket`, `${base}_sum`, `${base}_count`];

export const RETAINED_METRICS: readonly string[] = [
  UP_METRIC,
  'consortium_process_info',
  'consortium_process_cpu_seconds_total',
  'consortium_process_resident_memory_bytes',
  'consortium_process_heap_bytes',
  'consortium_process_event_loop_delay_seconds',
  'consortium_host_cpu_seconds_total',
  'consortium_host_cpu_cores',
  'consortium_host_memory_bytes',
  'consortium_host_data_disk_bytes',
  'consortium_host_network_bytes_total',
  'consortium_consensus_height',
  'consortium_consensus_round',
  'consortium_consensus_validators',
  'consortium_consensus_last_block_time_seconds',
  'consortium_consensus_committed_txs_total',
  'consortium_consensus_round_changes_total',
  'consortium_consensus_missed_blocks_total',
  'consortium_consensus_missing_validators',
  'consortium_consensus_syncing',
  'consortium_consensus_halted',
  'consortium_consensus_mempool_txs',
  ...HISTOGRAM('consortium_consensus_block_interval_seconds'),
  ...HISTOGRAM('consortium_consensus_block_rounds'),
  'consortium_p2p_connected_peers',
  'consortium_p2p_quorum_reachable',
  'consortium_p2p_peer_connected',
  'consortium_p2p_peer_rtt_seconds',
  'consortium_p2p_sent_bytes_total',
  'consortium_zkp_proofs_total',
  'consortium_zkp_verifications_total',
  'consortium_zkp_prover_queue_depth',
  'consortium_zkp_key_epoch',
  ...HISTOGRAM('consortium_zkp_prove_duration_seconds'),
  ...HISTOGRAM('consortium_zkp_verify_duration_seconds'),
  'consortium_security_events_total',
  'consortium_security_auth_attempts_total',
  'consortium_security_rate_limited_requests_total',
  'consortium_security_refused_peers_total',
  'consortium_security_invalid_messages_total',
  'consortium_security_equivocations_total',
  'consortium_settlement_anomalies_total',
  'consortium_settlement_disputes_total',
  'consortium_settlement_statements',
  'consortium_settlement_oldest_unanswered_statement_age_seconds',
  'consortium_settlement_proof_verifications_total',
];
