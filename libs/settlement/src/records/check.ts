/**
 * The debtor's check of a record batch it received against the usage batch the creditor
 * committed on chain, and against what it received before. Pure: the caller keeps the ranges
 * it accepted (per pair and period) and adds the returned one once it stored the records.
 */
import { batchCommitment } from '@consortium/zkp';
import { recordsDigest } from './codec.js';
import {
  BatchCommitmentMismatchError,
  BatchRangeMismatchError,
  DuplicateRecordIdError,
  NonPositionalRecordIdError,
  RangeAlreadyReceivedError,
  RecordOutsidePeriodError,
  RecordsDigestMismatchError,
  RecordTadigMismatchError,
  WrongBatchPairError,
  WrongBatchPeriodError,
} from './errors.js';
import type { OnChainBatch, RecordBatch, RecordRange } from './types.js';
import { assertRecordBatch } from './validate.js';

export interface AcceptedBatch {
  /** The ids the batch covers: add it to the pair's received ranges once the records are stored. */
  readonly range: RecordRange;
  readonly recordsDigest: Uint8Array;
}

/**
 * Refuses, with one ReceivedBatchError subclass per cause (in this order, cheapest first):
 * WrongBatchPairError, WrongBatchPeriodError, BatchRangeMismatchError, DuplicateRecordIdError,
 * NonPositionalRecordIdError, RangeAlreadyReceivedError, RecordTadigMismatchError,
 * RecordOutsidePeriodError, RecordsDigestMismatchError, BatchCommitmentMismatchError. A batch
 * whose fields are out of format or range is InvalidRecordBatchError first.
 * `seenRanges`: the ranges already received for this batch's (creditor, debtor, period).
 */
export function checkReceivedBatch(batch: RecordBatch, onChain: OnChainBatch, seenRanges: readonly RecordRange[]): AcceptedBatch {
  assertRecordBatch(batch);
  if (batch.creditor !== onChain.creditor || batch.debtor !== onChain.debtor) {
    throw new WrongBatchPairError({ creditor: batch.creditor, debtor: batch.debtor }, { creditor: onChain.creditor, debtor: onChain.debtor });
  }
  if (batch.period !== onChain.period) throw new WrongBatchPeriodError(batch.period, onChain.period);
  const range = { firstId: batch.firstId, count: BigInt(batch.records.length) };
  if (range.firstId !== onChain.firstId || range.count !== BigInt(onChain.count)) throw new BatchRangeMismatchError(range, { firstId: onChain.firstId, count: BigInt(onChain.count) });
  assertPositionalIds(batch);
  const overlapping = seenRanges.find((seen) => range.firstId < seen.firstId + seen.count && seen.firstId < range.firstId + range.count);
  if (overlapping !== undefined) throw new RangeAlreadyReceivedError(range, overlapping);
  assertRecordsOfBatch(batch);
  const digest = recordsDigest(batch);
  if (!sameBytes(digest, onChain.recordsDigest)) throw new RecordsDigestMismatchError(hex(digest), hex(onChain.recordsDigest));
  const commitment = batchCommitment(batch, onChain.batchSize);
  if (commitment !== onChain.batchCommitment) throw new BatchCommitmentMismatchError(commitment, onChain.batchCommitment, onChain.batchSize);
  return { range, recordsDigest: digest };
}

/** Duplicates first (the more specific refusal), then every id at its position. */
function assertPositionalIds(batch: RecordBatch): void {
  const positions = new Map<bigint, number>();
  batch.records.forEach((record, position) => {
    const earlier = positions.get(record.recordId);
    if (earlier !== undefined) throw new DuplicateRecordIdError(record.recordId, [earlier, position]);
    positions.set(record.recordId, position);
  });
  batch.records.forEach((record, position) => {
    const expectedId = batch.firstId + BigInt(position);
    if (record.recordId !== expectedId) throw new NonPositionalRecordIdError(position, record.recordId, expectedId);
  });
}

/** Every record between the batch's networks, and started within its period. */
function assertRecordsOfBatch(batch: RecordBatch): void {
  const { startSeconds, endSeconds } = periodBoundsUtc(batch.period);
  batch.records.forEach((record, position) => {
    if (record.visitedTadig !== batch.creditor) throw new RecordTadigMismatchError(position, 'visitedTadig', record.visitedTadig, batch.creditor);
    if (record.homeTadig !== batch.debtor) throw new RecordTadigMismatchError(position, 'homeTadig', record.homeTadig, batch.debtor);
    if (record.startTime < startSeconds || record.startTime >= endSeconds) throw new RecordOutsidePeriodError(position, record.startTime, batch.period);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
}

const hex = (bytes: Uint8Array): string => (bytes instanceof Uint8Array ? Buffer.from(bytes).toString('hex') : String(bytes));

/** [start, end) of a "YYYY-MM" period in Unix seconds, UTC. */
export function periodBoundsUtc(period: string): { readonly startSeconds: bigint; readonly endSeconds: bigint } {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return { startSeconds: BigInt(Date.UTC(year, month - 1, 1) / 1000), endSeconds: BigInt(Date.UTC(year, month, 1) / 1000) };
}
