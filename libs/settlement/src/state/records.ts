import type { CommitUsageBatchBody } from '../tx/types.js';
import type {
  CircuitPins,
  DirectedRateCommitment,
  DisputeReasonCode,
  Groth16Proof,
  MemberId,
  Period,
  SettlementPublicInputs,
  StatementState,
} from '../domain/types.js';

/**
 * The records of the settlement state: plain data (CBOR-encodable: no undefined, bigints for
 * money and field elements), one kind per collection, each keyed by a string id. Absent
 * optional parts are null. Heights and times are the block's (time from the block header).
 */

export interface AgreementRecord {
  /** hex sha256 of the canonical body (agreementId). */
  readonly id: string;
  readonly members: readonly [MemberId, MemberId];
  readonly fromPeriod: Period;
  readonly toPeriod: Period;
  readonly rateCommitments: readonly DirectedRateCommitment[];
  readonly height: number;
}

/** The agreements of an (unordered) pair, in registration order: the later one is in force where they overlap. */
export interface PairAgreementsRecord {
  readonly ids: readonly string[];
}

/**
 * The committed batches of one (creditor, debtor, period): the record id the next must start at,
 * and how many there are. The batches themselves are found by walking from record id 0 (each
 * starts where the previous ended), so no record grows with the number of batches.
 */
export interface BatchChainRecord {
  readonly nextFirstId: bigint;
  readonly batches: number;
}

/** A committed usage batch: the transaction's fields (no volumes: T33) and what the chain adds. */
export interface BatchRecord extends Omit<CommitUsageBatchBody, 'type'> {
  /** `creditor>debtor/period/firstId` (batchId). */
  readonly id: string;
  readonly height: number;
  readonly timeMs: number;
  /** Every statement proposed for the batch, oldest first; the last is the live one. */
  readonly statementIds: readonly string[];
  /** The accepted or resolved statement, once there is one. */
  readonly settledStatementId: string | null;
}

export interface StatementRecord {
  /** hex statement id: a hash of the public inputs, epoch and circuit, never of the proof. */
  readonly id: string;
  readonly batchId: string;
  readonly creditor: MemberId;
  readonly debtor: MemberId;
  readonly period: Period;
  readonly publicInputs: SettlementPublicInputs;
  readonly epoch: number;
  readonly circuit: string;
  readonly proof: Groth16Proof;
  readonly state: StatementState;
  readonly proposedHeight: number;
  readonly proposedTimeMs: number;
  readonly accepted: { readonly height: number; readonly timeMs: number } | null;
  readonly dispute: { readonly reasonCode: DisputeReasonCode; readonly reason: string; readonly height: number; readonly timeMs: number } | null;
  readonly resolution: { readonly agreedTotal: bigint; readonly height: number; readonly timeMs: number } | null;
  /** The statement that replaced this disputed one. */
  readonly supersededBy: string | null;
}

export interface PeriodRecord {
  readonly period: Period;
  /** The batch chains (`creditor>debtor/period`) with batches in the period, in order of their first batch: at most n x (n - 1). */
  readonly chains: readonly string[];
  readonly batches: number;
  /** Batches with an accepted or resolved statement. */
  readonly settledBatches: number;
  readonly closed: { readonly height: number; readonly timeMs: number; readonly closedBy: MemberId } | null;
}

export interface MemberBalance {
  readonly member: MemberId;
  /** Positive: the member receives; negative: it pays. Minor units. */
  readonly balance: bigint;
}

export interface Payment {
  readonly from: MemberId;
  readonly to: MemberId;
  readonly amount: bigint;
}

export interface NettingRecord {
  readonly period: Period;
  /** Every member, ordered by id. */
  readonly balances: readonly MemberBalance[];
  /** The fewest payments that settle every balance, ordered by (from, to). */
  readonly payments: readonly Payment[];
  /** The settled statements netted, ordered by id. */
  readonly statementIds: readonly string[];
  /** Sum of the netted statements' amounts (what bilateral settlement would have moved). */
  readonly grossAmount: bigint;
  /** Sum of the payments (what moves after netting). */
  readonly nettedAmount: bigint;
  readonly height: number;
}

export interface KeyEpochRecord {
  readonly epoch: number;
  readonly pins: readonly CircuitPins[];
  /** Where it was registered: 0 for the epochs genesis carries. */
  readonly height: number;
  /** The first height that takes proofs under it: 0 for the epochs genesis carries. */
  readonly activationHeight: number;
  /** The verification keys' file bytes, in the order of pins (a registered epoch); genesis epochs' keys come from the pinned files. */
  readonly verificationKeys: readonly Uint8Array[] | null;
}

/** Chain-wide figures kept in one record. */
export interface CountersRecord {
  readonly latestKeyEpoch: number;
  /** Closed periods, ascending. */
  readonly closedPeriods: readonly Period[];
}

export interface StateRecords {
  agreement: AgreementRecord;
  pairAgreements: PairAgreementsRecord;
  batchChain: BatchChainRecord;
  batch: BatchRecord;
  statement: StatementRecord;
  period: PeriodRecord;
  netting: NettingRecord;
  keyEpoch: KeyEpochRecord;
  counters: CountersRecord;
}

export type StateKind = keyof StateRecords;

export const STATE_KINDS = [
  'agreement',
  'pairAgreements',
  'batchChain',
  'batch',
  'statement',
  'period',
  'netting',
  'keyEpoch',
  'counters',
] as const satisfies readonly StateKind[];
