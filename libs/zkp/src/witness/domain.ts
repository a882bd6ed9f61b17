import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/circuits';

/**
 * The settlement statement in domain terms. Money is bigint minor units (micro-euro or
 * micro-SDR, by agreement); volumes are integer charging units per service (seconds for voice,
 * messages for SMS, megabytes for data, rounded up per session as the agreement says).
 */

export type { SettlementService };
export { SETTLEMENT_SERVICES };

export interface UsageRecord {
  /**
   * The record's id. Ids are positional (circuit v2): the record at index i of a batch has id
   * `firstId + i`; the witness builder refuses any other id, so no id appears twice in a batch.
   */
  readonly recordId: bigint;
  readonly service: SettlementService;
  /** Charging units (32-bit). */
  readonly volume: bigint;
}

/** The rates two members agreed, in minor units per charging unit, and the salt of its commitment. */
export interface RateTable {
  readonly rates: Readonly<Record<SettlementService, bigint>>;
  readonly salt: bigint;
}

export interface SettlementBatch {
  /** TADIG of the visited network that bills (the creditor), e.g. "FRAF1". */
  readonly creditor: string;
  /** TADIG of the home network that pays (the debtor). */
  readonly debtor: string;
  /** Settlement period, "YYYY-MM". */
  readonly period: string;
  /**
   * The id of the batch's first record (public). A batch covers the ids firstId ..
   * firstId + count - 1; the batches of one (pair, period) are contiguous: the chain accepts a
   * batch only if its firstId is the previous batch's firstId + count.
   */
  readonly firstId: bigint;
  readonly records: readonly UsageRecord[];
  /** A random field element that hides the whole batch inside its commitment (one per batch). */
  readonly salt: bigint;
  readonly rateTable: RateTable;
}

/** The public part of a statement: what every member sees on chain and checks the proof against. */
export interface SettlementPublicInputs {
  readonly creditor: bigint;
  readonly debtor: bigint;
  readonly period: bigint;
  /** The first record id the statement covers; it covers firstId .. firstId + count - 1. */
  readonly firstId: bigint;
  readonly count: bigint;
  readonly batchCommitment: bigint;
  readonly rateCommitment: bigint;
  /** Integer minor units. */
  readonly total: bigint;
}
