import type { AreaDefinitions } from '../types.js';
import { MEMBER_IDS, SETTLEMENT_PERIODS } from '../label-sets.js';

/** Transaction types of @consortium/settlement (fixed by its code). */
const SETTLEMENT_TX_TYPES = [
  'register_agreement',
  'commit_usage_batch',
  'propose_statement',
  'accept_statement',
  'dispute_statement',
  'resolve_dispute',
  'close_period',
  'register_key_epoch',
] as const;

/** TxResult codes of settlement transactions: `ok` or the code of the refusing error class (libs/settlement/src/errors.ts). */
const SETTLEMENT_TX_CODES = [
  'ok',
  'oversized',
  'malformed',
  'unknown_type',
  'invalid_field',
  'unknown_member',
  'bad_signature',
  'missing_signature',
  'unexpected_signer',
  'duplicate',
  'no_agreement',
  'batch_range',
  'batch_too_large',
  'unknown_batch',
  'statement_mismatch',
  'unknown_key_epoch',
  'unknown_circuit',
  'key_epoch_order',
  'key_epoch_not_in_force',
  'invalid_proof',
  'unknown_statement',
  'wrong_state',
  'period_closed',
  'period_not_over',
  'period_unsettled',
  'netting_too_many_members',
] as const;

const STATEMENT_STATES = ['proposed', 'accepted', 'disputed', 'superseded', 'resolved'] as const;
const SERVICES = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;

export { SETTLEMENT_PERIODS_KEPT } from '../label-sets.js';

/** The settlement application (libs/settlement): what the chain settles, and what it refuses. */
export const settlementMetricDefinitions = {
  txsTotal: {
    name: 'consortium_settlement_txs_total',
    type: 'counter',
    unit: 'count',
    help: 'Settlement transactions executed in committed blocks, by type and result code (ok, or the rule that refused it).',
    labels: { type: SETTLEMENT_TX_TYPES, code: SETTLEMENT_TX_CODES },
  },
  checkTxRefusedTotal: {
    name: 'consortium_settlement_check_tx_refused_total',
    type: 'counter',
    unit: 'count',
    help: 'Transactions refused before the mempool kept them (malformed, badly signed, an invalid proof, or refused by the state), by result code. Each is also a security event.',
    labels: { code: SETTLEMENT_TX_CODES },
  },
  recordsCommittedTotal: {
    name: 'consortium_settlement_records_committed_total',
    type: 'counter',
    unit: 'count',
    help: 'Usage records covered by committed usage batches, by creditor (the visited operator that committed them).',
    labels: { creditor: MEMBER_IDS },
  },
  batchesCommittedTotal: {
    name: 'consortium_settlement_batches_committed_total',
    type: 'counter',
    unit: 'count',
    help: 'Usage batches committed, by creditor.',
    labels: { creditor: MEMBER_IDS },
  },
  statements: {
    name: 'consortium_settlement_statements',
    type: 'gauge',
    unit: 'count',
    help: 'Statements on chain by state (proposed, accepted, disputed, superseded, resolved).',
    labels: { state: STATEMENT_STATES },
  },
  oldestUnansweredStatementAgeSeconds: {
    name: 'consortium_settlement_oldest_unanswered_statement_age_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Block time elapsed since the oldest statement still proposed (neither accepted nor disputed by its debtor) was proposed; 0 when none waits. The answer-deadline alert compares with it.',
    labels: {},
  },
  proofVerificationsTotal: {
    name: 'consortium_settlement_proof_verifications_total',
    type: 'counter',
    unit: 'count',
    help: "Statement proof verdicts the application obtained, by stage (check_tx: before the mempool keeps a statement; proposal: a proposed block's statements; block: a decided block's statements, cached verdicts included) and outcome.",
    labels: { stage: ['check_tx', 'proposal', 'block'], outcome: ['valid', 'invalid', 'error'] },
  },
  batchToAcceptedSeconds: {
    name: 'consortium_settlement_batch_to_accepted_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: "Block time from a usage batch's commit to the acceptance of its statement.",
    labels: {},
    // A devnet settles in seconds; operators answer in minutes to days; a month bounds a period.
    buckets: [1, 5, 15, 60, 300, 900, 3600, 14_400, 43_200, 86_400, 259_200, 604_800, 2_592_000],
  },
  disputesTotal: {
    name: 'consortium_settlement_disputes_total',
    type: 'counter',
    unit: 'count',
    help: 'Dispute events: a statement disputed (opened), settled by a resolution both parties signed (resolved), or replaced by a new statement (superseded).',
    labels: { event: ['opened', 'resolved', 'superseded'] },
  },
  anomaliesTotal: {
    name: 'consortium_settlement_anomalies_total',
    type: 'counter',
    unit: 'count',
    help: "Usage anomalies observed by this node on its own pairs' records (a spike against the moving baseline, or a drop to zero), by kind and service.",
    labels: { kind: ['spike', 'drop'], service: SERVICES },
  },
  periodNettedAmount: {
    name: 'consortium_settlement_period_netted_amount',
    type: 'gauge',
    unit: 'count',
    help: 'Minor units moved by the netting payments of a closed period (exact below 2^53 minor units; the chain holds the exact bigint).',
    labels: { period: SETTLEMENT_PERIODS },
  },
  periodGrossAmount: {
    name: 'consortium_settlement_period_gross_amount',
    type: 'gauge',
    unit: 'count',
    help: 'Minor units of the settled statements of a closed period before netting (exact below 2^53 minor units).',
    labels: { period: SETTLEMENT_PERIODS },
  },
  finalizeBlockSeconds: {
    name: 'consortium_settlement_finalize_block_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: "Time the settlement application spent executing a decided block (proof verification included).",
    labels: {},
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
} as const satisfies AreaDefinitions;
