import type { AlertExample, AlertRule, ExampleSeries } from './types.js';

/**
 * The consortium's alert rules. Prometheus's rules file (deploy/prometheus/alerts.yml), its
 * promtool tests and the dashboard's live evaluation all come from this list; the runbook for
 * each is the section `runbook` of docs/operations.md.
 *
 * Labels: Prometheus (and the dashboard's scraper) add `member` and `instance` of the scraped
 * node to every series. A metric's own `member` label (the validator or peer it is about) then
 * collides with the target's and is kept as `exported_member`, Prometheus's default rule
 * (honor_labels: false); see attachTargetLabels.
 *
 * Windows and `for` durations are chosen for a 1-5 s scrape interval on the devnet (empty block
 * every 5 s) and production (empty block every 30 s); docs/operations.md states them per rule.
 */

/** Example members: the rules never depend on their number or names. */
const A = { member: 'Orange-FR', instance: '127.0.0.1:4101', job: 'consortium-node' };
const B = { member: 'Telenor-NO', instance: '127.0.0.1:4102', job: 'consortium-node' };
const C = { member: 'Vodafone-UK', instance: '127.0.0.1:4103', job: 'consortium-node' };

function series(metric: string, labels: Readonly<Record<string, string>>, values: string): ExampleSeries {
  return { metric, labels, values };
}

function example(intervalSeconds: number, evalSeconds: number, firing: AlertExample['firing'], ...list: ExampleSeries[]): AlertExample {
  return { intervalSeconds, evalSeconds, firing, series: list };
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** The consortium's deadline for a debtor to accept or dispute a proposed statement (runbook: statement-unanswered). */
export const STATEMENT_ANSWER_DEADLINE_SECONDS = 72 * 3600;

export const alertRules: readonly AlertRule[] = [
  {
    name: 'NodeDown',
    area: 'node',
    severity: 'critical',
    summary: '{{ $labels.member }} is down',
    description: 'The node of {{ $labels.member }} has not answered a /metrics scrape for 10 s: its process stopped, its host is unreachable, or its HTTP server hangs.',
    runbook: 'node-down',
    forSeconds: 10,
    condition: { metric: 'up', value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '==', threshold: 0 },
    examples: {
      fires: example(5, 30, [{ member: A.member }], series('up', A, '1 1 1 0 0 0 0 0'), series('up', B, '1+0x7')),
      quiet: example(5, 30, [], series('up', A, '1 1 1 0 1 1 1 1'), series('up', B, '1+0x7')),
    },
  },
  {
    name: 'ConsensusStalled',
    area: 'consensus',
    severity: 'critical',
    summary: '{{ $labels.member }} has committed no block for 2 minutes',
    description: 'The height of {{ $labels.member }} has not changed for 2 minutes although an idle chain makes an empty block every 30 s (5 s on the devnet): consensus has no quorum, or this node fell out of it and does not sync.',
    runbook: 'consensus-stalled',
    forSeconds: 60,
    condition: { metric: 'consortium_consensus_height', value: { kind: 'range', fn: 'changes', windowSeconds: 120 }, aggregate: 'max', by: ['member'], compare: '==', threshold: 0 },
    examples: {
      fires: example(15, 300, [{ member: A.member }], series('consortium_consensus_height', A, '10+1x8 18+0x15'), series('consortium_consensus_height', B, '10+1x24')),
      quiet: example(15, 300, [], series('consortium_consensus_height', A, '0+0x5 1+0x5 2+0x5 3+0x5 4'), series('consortium_consensus_height', B, '10+1x24')),
    },
  },
  {
    name: 'RepeatedRoundChanges',
    area: 'consensus',
    severity: 'warning',
    summary: '{{ $labels.member }} needed more than 3 extra rounds in 5 minutes',
    description: 'Heights at {{ $labels.member }} keep needing more than one round: proposals time out or are refused (a slow or absent proposer, a partition, clock or load trouble).',
    runbook: 'repeated-round-changes',
    forSeconds: 60,
    condition: { metric: 'consortium_consensus_round_changes_total', value: { kind: 'range', fn: 'increase', windowSeconds: 300 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 3 },
    examples: {
      fires: example(30, 420, [{ member: A.member }],
        series('consortium_consensus_round_changes_total', { ...A, reason: 'timeout' }, '0 0 0 1 2 3 4 5 6 7 8 9 10 11 12'),
        series('consortium_consensus_round_changes_total', { ...A, reason: 'skip' }, '0+0x14'),
        series('consortium_consensus_round_changes_total', { ...B, reason: 'timeout' }, '0+0x14')),
      quiet: example(30, 420, [],
        series('consortium_consensus_round_changes_total', { ...A, reason: 'timeout' }, '0+0x4 1+0x5 2+0x4'),
        series('consortium_consensus_round_changes_total', { ...A, reason: 'skip' }, '0+0x14')),
    },
  },
  {
    name: 'ValidatorMissingVotes',
    area: 'consensus',
    severity: 'warning',
    summary: 'Validator {{ $labels.exported_member }} is missing from commit certificates',
    description: 'Every reporting node committed more than 5 blocks in 5 minutes without the precommit of {{ $labels.exported_member }}: the validator is down, cut off, or its votes arrive too late to count.',
    runbook: 'validator-missing-votes',
    forSeconds: 60,
    condition: { metric: 'consortium_consensus_missed_blocks_total', value: { kind: 'range', fn: 'increase', windowSeconds: 300 }, aggregate: 'min', by: ['exported_member'], compare: '>', threshold: 5 },
    examples: {
      fires: example(15, 420, [{ exported_member: C.member }],
        series('consortium_consensus_missed_blocks_total', { ...A, exported_member: C.member }, '0+1x30'),
        series('consortium_consensus_missed_blocks_total', { ...B, exported_member: C.member }, '0+1x30'),
        series('consortium_consensus_missed_blocks_total', { ...B, exported_member: A.member }, '0+0x10 1+0x20')),
      // One node counts the validator missing (its certificates are quorums without it), but the
      // validator's own node has its precommit in every certificate: it is alive and voting.
      quiet: example(15, 420, [],
        series('consortium_consensus_missed_blocks_total', { ...A, exported_member: C.member }, '0+1x30'),
        series('consortium_consensus_missed_blocks_total', { ...C, exported_member: C.member }, '0+0x30')),
    },
  },
  {
    name: 'PeersBelowQuorum',
    area: 'p2p',
    severity: 'critical',
    summary: '{{ $labels.member }} reaches fewer members than a vote quorum',
    description: '{{ $labels.member }} and the members it is connected to hold less than floor(2n/3)+1 of the n validators for 30 s: it cannot help decide heights.',
    runbook: 'peers-below-quorum',
    forSeconds: 30,
    condition: { metric: 'consortium_p2p_quorum_reachable', value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '==', threshold: 0 },
    examples: {
      fires: example(15, 75, [{ member: A.member }], series('consortium_p2p_quorum_reachable', A, '1 1 0 0 0 0 0'), series('consortium_p2p_quorum_reachable', B, '1+0x6')),
      quiet: example(15, 75, [], series('consortium_p2p_quorum_reachable', A, '1 1 0 1 1 1 1'), series('consortium_p2p_quorum_reachable', B, '1+0x6')),
    },
  },
  {
    name: 'SlowBlocks',
    area: 'consensus',
    severity: 'warning',
    summary: 'Blocks at {{ $labels.member }} take over 60 s',
    description: 'The 95th percentile of the block interval at {{ $labels.member }} over 10 minutes reached 60 s, twice the production empty-block interval (the histogram cannot tell apart intervals above 60 s).',
    runbook: 'slow-blocks',
    forSeconds: 300,
    condition: { metric: 'consortium_consensus_block_interval_seconds', value: { kind: 'quantile', quantile: 0.95, windowSeconds: 600 }, aggregate: 'sum', by: ['member'], compare: '>=', threshold: 60 },
    examples: {
      fires: example(60, 900, [{ member: A.member }],
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '30' }, '0+0x20'),
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '60' }, '0+0x20'),
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '+Inf' }, '0+1x20')),
      // Every block between 30 and 60 s: the interpolated p95 is 58.5 s.
      quiet: example(60, 900, [],
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '30' }, '0+0x20'),
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '60' }, '0+2x20'),
        series('consortium_consensus_block_interval_seconds_bucket', { ...A, le: '+Inf' }, '0+2x20')),
    },
  },
  {
    name: 'EquivocationDetected',
    area: 'security',
    severity: 'critical',
    summary: 'Validator {{ $labels.exported_member }} signed two different votes or proposals',
    description: 'A node holds evidence that {{ $labels.exported_member }} signed two different proposals or votes for one height, round and step. It stays firing until the nodes that saw it restart: equivocation is never benign.',
    runbook: 'equivocation-detected',
    forSeconds: 0,
    condition: { metric: 'consortium_security_equivocations_total', value: { kind: 'instant' }, aggregate: 'max', by: ['exported_member'], compare: '>', threshold: 0 },
    examples: {
      fires: example(15, 60, [{ exported_member: C.member }], series('consortium_security_equivocations_total', { ...A, exported_member: C.member, message: 'prevote' }, '_ _ 1 1 1')),
      quiet: example(15, 60, [], series('consortium_security_equivocations_total', { ...A, exported_member: C.member, message: 'prevote' }, '0+0x4')),
    },
  },
  {
    name: 'InvalidProofsReceived',
    area: 'security',
    severity: 'warning',
    summary: '{{ $labels.member }} refused statements whose proofs do not verify',
    description: 'A statement whose Groth16 proof does not verify reached {{ $labels.member }} in the last 5 minutes (gossiped by a member, proposed in a block, or posted to its API) and was refused: a member whose prover or keys are broken, or one that is Byzantine. Nothing invalid is committed; the security log names the sender.',
    runbook: 'invalid-proofs-received',
    forSeconds: 0,
    condition: { metric: 'consortium_security_events_total', matchers: [{ label: 'kind', op: '=', value: 'invalid_proof' }], value: { kind: 'range', fn: 'increase', windowSeconds: 300 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 0 },
    examples: {
      fires: example(30, 150, [{ member: B.member }],
        series('consortium_security_events_total', { ...B, kind: 'invalid_proof' }, '0 0 0 2 2 2'),
        series('consortium_security_events_total', { ...A, kind: 'invalid_proof' }, '0+0x5')),
      // Other security events do not count; a refusal 10 minutes ago no longer does.
      quiet: example(30, 150, [],
        series('consortium_security_events_total', { ...B, kind: 'auth_failed' }, '0+3x5'),
        series('consortium_security_events_total', { ...A, kind: 'invalid_proof' }, '4+0x5')),
    },
  },
  {
    name: 'SlowProofs',
    area: 'zkp',
    severity: 'warning',
    summary: 'Proofs at {{ $labels.member }} take over 30 s',
    description: 'The 95th percentile of proof time at {{ $labels.member }} over 10 minutes is above 30 s (a 64-record proof takes 1-2.5 s on two cores): the host is overloaded or the prover pool is starved.',
    runbook: 'slow-proofs',
    forSeconds: 300,
    condition: { metric: 'consortium_zkp_prove_duration_seconds', value: { kind: 'quantile', quantile: 0.95, windowSeconds: 600 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 30 },
    examples: {
      fires: example(60, 900, [{ member: A.member }],
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '10' }, '0+10x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '30' }, '0+10x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '60' }, '0+12x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '+Inf' }, '0+12x20')),
      quiet: example(60, 900, [],
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '10' }, '0+18x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '30' }, '0+20x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '60' }, '0+20x20'),
        series('consortium_zkp_prove_duration_seconds_bucket', { ...A, circuit: 'settlement-64', le: '+Inf' }, '0+20x20')),
    },
  },
  {
    name: 'FailingProofs',
    area: 'zkp',
    severity: 'warning',
    summary: 'Proofs fail at {{ $labels.member }}',
    description: 'More than 2 proof jobs at {{ $labels.member }} failed or timed out in 10 minutes: bad inputs, a prover error, a key that does not match its pin, or stuck workers.',
    runbook: 'failing-proofs',
    forSeconds: 0,
    condition: { metric: 'consortium_zkp_proofs_total', matchers: [{ label: 'outcome', op: '=~', values: ['failed', 'timeout'] }], value: { kind: 'range', fn: 'increase', windowSeconds: 600 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 2 },
    examples: {
      fires: example(60, 300, [{ member: A.member }],
        series('consortium_zkp_proofs_total', { ...A, circuit: 'settlement-64', outcome: 'failed' }, '0 0 1 2 3 4'),
        series('consortium_zkp_proofs_total', { ...A, circuit: 'settlement-64', outcome: 'proved' }, '0+40x5')),
      quiet: example(60, 300, [],
        series('consortium_zkp_proofs_total', { ...A, circuit: 'settlement-64', outcome: 'timeout' }, '0 0 0 0 1 2'),
        series('consortium_zkp_proofs_total', { ...A, circuit: 'settlement-64', outcome: 'cancelled' }, '0+10x5'),
        series('consortium_zkp_proofs_total', { ...A, circuit: 'settlement-64', outcome: 'proved' }, '0+40x5')),
    },
  },
  {
    name: 'ProofsBackedUp',
    area: 'zkp',
    severity: 'warning',
    summary: 'Proof jobs queue up at {{ $labels.member }}',
    description: 'The prover queue of {{ $labels.member }} has not dropped to 16 jobs or below for 5 minutes: proofs are asked for faster than the workers make them.',
    runbook: 'proofs-backed-up',
    forSeconds: 60,
    condition: { metric: 'consortium_zkp_prover_queue_depth', value: { kind: 'range', fn: 'min_over_time', windowSeconds: 300 }, aggregate: 'max', by: ['member'], compare: '>', threshold: 16 },
    examples: {
      fires: example(30, 420, [{ member: A.member }], series('consortium_zkp_prover_queue_depth', A, '20+1x14'), series('consortium_zkp_prover_queue_depth', B, '0+0x14')),
      quiet: example(30, 420, [], series('consortium_zkp_prover_queue_depth', A, '20+0x4 5 20+0x8'), series('consortium_zkp_prover_queue_depth', B, '0+0x14')),
    },
  },
  {
    name: 'AuthFailureSpike',
    area: 'security',
    severity: 'warning',
    summary: 'Authentication failures at {{ $labels.member }}',
    description: 'More than 10 requests to the API of {{ $labels.member }} failed authentication (missing, wrong or unknown credentials) within a minute: a misconfigured client or someone guessing tokens.',
    runbook: 'auth-failure-spike',
    forSeconds: 0,
    condition: { metric: 'consortium_security_auth_attempts_total', matchers: [{ label: 'outcome', op: '=~', values: ['missing_credentials', 'bad_credentials', 'unknown_client'] }], value: { kind: 'range', fn: 'increase', windowSeconds: 60 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 10 },
    examples: {
      fires: example(5, 30, [{ member: A.member }],
        series('consortium_security_auth_attempts_total', { ...A, outcome: 'bad_credentials' }, '0 0 0 0 30 30 30 30 30 30 30 30 30'),
        series('consortium_security_auth_attempts_total', { ...A, outcome: 'success' }, '0+50x12')),
      // A trickle of one failure every 10 s, beside heavy normal traffic and refused roles.
      quiet: example(5, 60, [],
        series('consortium_security_auth_attempts_total', { ...A, outcome: 'bad_credentials' }, '0 0 1 1 2 2 3 3 4 4 5 5 6'),
        series('consortium_security_auth_attempts_total', { ...A, outcome: 'forbidden' }, '0+5x12'),
        series('consortium_security_auth_attempts_total', { ...A, outcome: 'success' }, '0+50x12')),
    },
  },
  {
    name: 'RateLimitSpike',
    area: 'security',
    severity: 'warning',
    summary: 'Requests to {{ $labels.member }} are rate limited',
    description: 'More than 20 requests to the API of {{ $labels.member }} were refused with 429 within a minute: a client polls too fast or floods the node.',
    runbook: 'rate-limit-spike',
    forSeconds: 0,
    condition: { metric: 'consortium_security_events_total', matchers: [{ label: 'kind', op: '=', value: 'rate_limited' }], value: { kind: 'range', fn: 'increase', windowSeconds: 60 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 20 },
    examples: {
      fires: example(5, 30, [{ member: A.member }],
        series('consortium_security_events_total', { ...A, kind: 'rate_limited' }, '0 0 0 10 40 40 40 40 40 40 40 40 40')),
      quiet: example(5, 60, [],
        series('consortium_security_events_total', { ...A, kind: 'rate_limited' }, '0 0 1 1 2 2 3 3 4 4 5 5 6'),
        series('consortium_security_events_total', { ...A, kind: 'auth_failed' }, '0+30x12')),
    },
  },
  {
    name: 'NonMemberPeersRefused',
    area: 'security',
    severity: 'warning',
    summary: '{{ $labels.member }} refused connections from non-members',
    description: 'A peer whose id is not in genesis tried to connect to {{ $labels.member }} in the last 5 minutes and was refused: a misconfigured node, or a probe of the P2P port.',
    runbook: 'non-member-peers-refused',
    forSeconds: 0,
    condition: { metric: 'consortium_security_refused_peers_total', matchers: [{ label: 'reason', op: '=', value: 'not_member' }], value: { kind: 'range', fn: 'increase', windowSeconds: 300 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 0 },
    examples: {
      fires: example(30, 150, [{ member: B.member }],
        series('consortium_security_refused_peers_total', { ...B, reason: 'not_member' }, '0 0 0 1 1 1'),
        series('consortium_security_refused_peers_total', { ...A, reason: 'not_member' }, '0+0x5')),
      quiet: example(30, 150, [],
        series('consortium_security_refused_peers_total', { ...B, reason: 'not_member' }, '0+0x5'),
        series('consortium_security_refused_peers_total', { ...B, reason: 'backoff' }, '0+3x5')),
    },
  },
  {
    name: 'SettlementAnomaly',
    area: 'settlement',
    severity: 'warning',
    summary: 'Usage anomaly on a pair: {{ $labels.kind }} of {{ $labels.service }}',
    description: "A party's node raised a {{ $labels.kind }} anomaly for {{ $labels.service }} usage on one of its member's pairs in the last 15 minutes (only the two parties hold the records): SIM-box fraud, a partner misconfiguration, or a broken usage feed.",
    runbook: 'settlement-anomaly',
    forSeconds: 0,
    condition: { metric: 'consortium_settlement_anomalies_total', value: { kind: 'range', fn: 'increase', windowSeconds: 900 }, aggregate: 'max', by: ['kind', 'service'], compare: '>', threshold: 0 },
    examples: {
      // Both parties' nodes count it (each observes the pair's records): one alert, not one per node.
      fires: example(60, 240, [{ kind: 'spike', service: 'data' }],
        series('consortium_settlement_anomalies_total', { ...A, kind: 'spike', service: 'data' }, '0 0 1 1 1'),
        series('consortium_settlement_anomalies_total', { ...B, kind: 'spike', service: 'data' }, '0 0 1 1 1'),
        series('consortium_settlement_anomalies_total', { ...A, kind: 'drop', service: 'sms' }, '0+0x4')),
      quiet: example(60, 240, [],
        series('consortium_settlement_anomalies_total', { ...A, kind: 'spike', service: 'data' }, '0+0x4'),
        series('consortium_settlement_anomalies_total', { ...A, kind: 'drop', service: 'sms' }, '0+0x4')),
    },
  },
  {
    name: 'DisputeOpened',
    area: 'settlement',
    severity: 'info',
    summary: 'A settlement statement was disputed',
    description: 'A debtor disputed a proposed statement in the last 15 minutes; the two parties resolve it with a signed resolution or a new statement.',
    runbook: 'dispute-opened',
    forSeconds: 0,
    condition: { metric: 'consortium_settlement_disputes_total', matchers: [{ label: 'event', op: '=', value: 'opened' }], value: { kind: 'range', fn: 'increase', windowSeconds: 900 }, aggregate: 'max', by: [], compare: '>', threshold: 0 },
    examples: {
      fires: example(60, 240, [{}],
        series('consortium_settlement_disputes_total', { ...A, event: 'opened' }, '0 0 1 1 1'),
        series('consortium_settlement_disputes_total', { ...B, event: 'opened' }, '0 0 1 1 1')),
      quiet: example(60, 240, [],
        series('consortium_settlement_disputes_total', { ...A, event: 'opened' }, '0+0x4'),
        series('consortium_settlement_disputes_total', { ...A, event: 'resolved' }, '0 0 1 1 1')),
    },
  },
  {
    name: 'StatementUnanswered',
    area: 'settlement',
    severity: 'warning',
    summary: 'A statement is unanswered past its deadline',
    description: 'The oldest proposed statement has waited more than 72 hours (the consortium\'s answer deadline) for its debtor to accept or dispute it.',
    runbook: 'statement-unanswered',
    forSeconds: 300,
    condition: { metric: 'consortium_settlement_oldest_unanswered_statement_age_seconds', value: { kind: 'instant' }, aggregate: 'max', by: [], compare: '>', threshold: STATEMENT_ANSWER_DEADLINE_SECONDS },
    examples: {
      fires: example(60, 600, [{}], series('consortium_settlement_oldest_unanswered_statement_age_seconds', A, '259000+60x10')),
      quiet: example(60, 600, [], series('consortium_settlement_oldest_unanswered_statement_age_seconds', A, '258000+60x10')),
    },
  },
  {
    name: 'HighCpu',
    area: 'resources',
    severity: 'warning',
    summary: '{{ $labels.member }} uses over 0.9 CPU cores',
    description: 'The node process of {{ $labels.member }} used more than 0.9 cores on average over 5 minutes, for 10 minutes: its event loop and prover workers compete for the CPU.',
    runbook: 'high-cpu',
    forSeconds: 600,
    condition: { metric: 'consortium_process_cpu_seconds_total', value: { kind: 'range', fn: 'rate', windowSeconds: 300 }, aggregate: 'sum', by: ['member'], compare: '>', threshold: 0.9 },
    examples: {
      fires: example(60, 1200, [{ member: A.member }],
        series('consortium_process_cpu_seconds_total', { ...A, mode: 'user' }, '0+45x25'),
        series('consortium_process_cpu_seconds_total', { ...A, mode: 'system' }, '0+12x25')),
      quiet: example(60, 1200, [],
        series('consortium_process_cpu_seconds_total', { ...A, mode: 'user' }, '0+40x25'),
        series('consortium_process_cpu_seconds_total', { ...A, mode: 'system' }, '0+10x25')),
    },
  },
  {
    name: 'ProcessMemoryHigh',
    area: 'resources',
    severity: 'warning',
    summary: '{{ $labels.member }} uses over 2 GiB of memory',
    description: 'The node process of {{ $labels.member }} has held more than 2 GiB resident for 10 minutes: a leak, or caches grown past their bounds.',
    runbook: 'process-memory-high',
    forSeconds: 600,
    condition: { metric: 'consortium_process_resident_memory_bytes', value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '>', threshold: 2 * GIB },
    examples: {
      fires: example(60, 660, [{ member: A.member }], series('consortium_process_resident_memory_bytes', A, '2200000000+0x12')),
      quiet: example(60, 660, [], series('consortium_process_resident_memory_bytes', A, '2100000000+0x12')),
    },
  },
  {
    // With a heap limit (the manifests set one: docs/decisions.md, "A node's memory"), the
    // settlement state the node keeps in memory grows towards it with the chain: warn well
    // before V8 stops the process. The lowest sample of 5 minutes is the heap after its collections, not their sawtooth.
    name: 'HeapNearLimit',
    area: 'resources',
    severity: 'warning',
    summary: '{{ $labels.member }} uses over 80 % of its heap limit after garbage collection',
    description: 'The V8 heap of {{ $labels.member }} has stayed above 80 % of its limit (--max-old-space-size) for 10 minutes, even at its lowest: the node will stop with a heap out of memory error as its state grows.',
    runbook: 'heap-near-limit',
    forSeconds: 600,
    condition: { metric: 'consortium_process_heap_used_ratio', value: { kind: 'range', fn: 'min_over_time', windowSeconds: 300 }, aggregate: 'max', by: ['member'], compare: '>', threshold: 0.8 },
    examples: {
      // The sawtooth of a heap whose live part sits at 82 % (fires), and one that falls back to 70 % after each collection (quiet).
      fires: example(60, 1200, [{ member: A.member }], series('consortium_process_heap_used_ratio', A, '0.82 0.9 0.95 0.82 0.9 0.95 0.82 0.9 0.95 0.82 0.9 0.95 0.82 0.9 0.95 0.82 0.9 0.95 0.82 0.9 0.95')),
      quiet: example(60, 1200, [], series('consortium_process_heap_used_ratio', A, '0.7 0.9 0.95 0.7 0.9 0.95 0.7 0.9 0.95 0.7 0.9 0.95 0.7 0.9 0.95 0.7 0.9 0.95 0.7 0.9 0.95')),
    },
  },
  {
    name: 'HostMemoryLow',
    area: 'resources',
    severity: 'warning',
    summary: 'The host of {{ $labels.member }} has under 512 MiB of memory available',
    description: 'The machine running {{ $labels.member }} has had less than 512 MiB available for 5 minutes: the kernel will soon kill a process.',
    runbook: 'host-memory-low',
    forSeconds: 300,
    condition: { metric: 'consortium_host_memory_bytes', matchers: [{ label: 'state', op: '=', value: 'available' }], value: { kind: 'instant' }, aggregate: 'min', by: ['member'], compare: '<', threshold: 512 * MIB },
    examples: {
      fires: example(60, 360, [{ member: A.member }],
        series('consortium_host_memory_bytes', { ...A, state: 'available' }, '500000000+0x10'),
        series('consortium_host_memory_bytes', { ...A, state: 'total' }, '8000000000+0x10')),
      quiet: example(60, 360, [],
        series('consortium_host_memory_bytes', { ...A, state: 'available' }, '600000000+0x10'),
        series('consortium_host_memory_bytes', { ...A, state: 'free' }, '100000000+0x10')),
    },
  },
  {
    name: 'DiskSpaceLow',
    area: 'resources',
    severity: 'critical',
    summary: 'The data disk of {{ $labels.member }} has under 1 GiB free',
    description: 'The filesystem holding the data directory of {{ $labels.member }} has had less than 1 GiB free for 5 minutes: a full disk stops the node (it cannot persist blocks).',
    runbook: 'disk-space-low',
    forSeconds: 300,
    condition: { metric: 'consortium_host_data_disk_bytes', matchers: [{ label: 'state', op: '=', value: 'free' }], value: { kind: 'instant' }, aggregate: 'min', by: ['member'], compare: '<', threshold: GIB },
    examples: {
      fires: example(60, 360, [{ member: A.member }], series('consortium_host_data_disk_bytes', { ...A, state: 'free' }, '1000000000+0x10')),
      quiet: example(60, 360, [],
        series('consortium_host_data_disk_bytes', { ...A, state: 'free' }, '1100000000+0x10'),
        series('consortium_host_data_disk_bytes', { ...A, state: 'used' }, '100000000+0x10')),
    },
  },
  {
    name: 'EventLoopBlocked',
    area: 'resources',
    severity: 'warning',
    summary: 'The event loop of {{ $labels.member }} is delayed over 0.5 s',
    description: 'The p99 event-loop delay of {{ $labels.member }} has stayed above 0.5 s for 2 minutes: timers (consensus timeouts) fire late and requests wait.',
    runbook: 'event-loop-blocked',
    forSeconds: 120,
    condition: { metric: 'consortium_process_event_loop_delay_seconds', matchers: [{ label: 'percentile', op: '=', value: 'p99' }], value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '>', threshold: 0.5 },
    examples: {
      fires: example(30, 150, [{ member: A.member }], series('consortium_process_event_loop_delay_seconds', { ...A, percentile: 'p99' }, '0.8+0x10')),
      quiet: example(30, 150, [],
        series('consortium_process_event_loop_delay_seconds', { ...A, percentile: 'p99' }, '0.4+0x10'),
        series('consortium_process_event_loop_delay_seconds', { ...A, percentile: 'max' }, '2+0x10')),
    },
  },
];
