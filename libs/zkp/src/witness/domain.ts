import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/circuits';

/**
 * The settlement statement in domain terms. Money is bigint minor units (micro-euro or
 * micro-SDR, by agreement); volumes are integer charging units per service (seconds for voice,
 * messages for SMS, megabytes for data, rounded up per session as the agreement says).
 */

export type { SettlementService };
export { SETTLEMENT_SERVICES };

export interface UsageRecord {
  /** The record's number within the batch's TAP-like file (32-bit). */
  readonly recordId: bigint;
  readonly service: SettlementService;
  /** Charging units (32-bit). */
  readonly volume: bigint;
  /** A random field element that hides the record inside the commitment. */
  readonly salt: bigint;
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
  readonly records: readonly UsageRecord[];
  readonly rateTable: RateTable;
}

/** The public part of a statement: what every member sees on chain and checks the proof against. */
export interface SettlementPublicInputs {
  readonly creditor: bigint;
  readonly debtor: bigint;
  readonly period: bigint;
  readonly count: bigint;
  readonly batchCommitment: bigint;
  readonly rateCommitment: bigint;
  /** Integer minor units. */
  readonly total: bigint;
}
