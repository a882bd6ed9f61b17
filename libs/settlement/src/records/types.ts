/**
 * The TAP-like usage record and the batch of them that travels, privately, from the creditor
 * (the visited operator, which recorded the usage) to the debtor (the home operator, which
 * pays for it). Only their commitments go on chain.
 */
import type { SettlementBatch, SettlementService } from '@consortium/zkp';

/**
 * One usage event, as the visited network recorded it (a trimmed TAP3 call event detail).
 *
 * - `recordId`: positional in its batch (record i has id firstId + i; circuit v2), unique per
 *   (creditor, debtor, period), 0 .. 2^64 - 1.
 * - `subscriberRef`: a salted hash of the subscriber, 32 lowercase hex characters (128 bits);
 *   never an IMSI or MSISDN (see subscriberRefOf).
 * - `service`: one of SETTLEMENT_SERVICES of @consortium/zkp (voice_mo, voice_mt, sms, data).
 * - `startTime`: when the event started, in whole seconds since the Unix epoch, UTC (TAP gives
 *   a local time and a UTC offset; the exchange carries the UTC instant only, so the one value
 *   orders and buckets events without time zones). 0 .. 2^32 - 1; it lies in the batch's period.
 * - `volume`: charging units of the service (voice: seconds, already rounded to the agreement's
 *   increment; sms: messages; data: megabytes rounded up per session), 0 .. 2^32 - 1 (the
 *   circuit's range check).
 * - `visitedTadig`, `homeTadig`: the networks; they must be the batch's creditor and debtor.
 */
export interface UsageRecord {
  readonly recordId: bigint;
  readonly subscriberRef: string;
  readonly service: SettlementService;
  readonly startTime: bigint;
  readonly volume: bigint;
  readonly visitedTadig: string;
  readonly homeTadig: string;
}

/**
 * The raw records of one usage batch of a (creditor, debtor, period), as the creditor commits
 * them on chain and sends them to the debtor. `creditor` and `debtor` are TADIG codes (as in
 * @consortium/zkp's SettlementBatch; the member directory maps member ids to them). `salt` is
 * the batch commitment's salt (a BN254 field element): it travels with the records so the
 * debtor can recompute the commitment, and it also salts `recordsDigest`. Its fields are
 * zkp's SettlementBatch's (creditor, debtor, period "YYYY-MM", firstId, salt) without the rate
 * table, with the full records.
 */
export interface RecordBatch extends Omit<SettlementBatch, 'records' | 'rateTable'> {
  readonly records: readonly UsageRecord[];
}

/** Ids firstId .. firstId + count - 1 of one (creditor, debtor, period). */
export interface RecordRange {
  readonly firstId: bigint;
  readonly count: bigint;
}

/**
 * What the chain holds of a committed usage batch, as the debtor's node checks received records
 * against it. `batchSize` is the record count of the circuit the batch commitment was made for
 * (the commitment binds it). `recordsDigest` is recordsDigest(batch): sha256, 32 bytes. The
 * fields are those of settlement's commit_usage_batch, with the parties as TADIG codes.
 */
export interface OnChainBatch {
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly firstId: bigint;
  readonly count: number;
  readonly batchCommitment: bigint;
  readonly recordsDigest: Uint8Array;
  readonly batchSize: number;
}
