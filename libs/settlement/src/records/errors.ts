/**
 * One class per refusal (callers branch on the class or `name`, never on message text). A
 * batch from a peer that fails any of these changes nothing; the caller counts it and reports
 * the sender to libs/p2p (`reportInvalid`).
 */

// ---------------------------------------------------------------------------------------------
// Shape and encoding

/** A batch or record field outside its format or range; `field` names it (e.g. "records[3].volume"). */
export class InvalidRecordBatchError extends Error {
  override readonly name = 'InvalidRecordBatchError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`record batch field ${field} is invalid: ${problem}`);
  }
}

/** Encoded bytes over RECORD_BATCH_MAX_BYTES: refused before any decoding. */
export class RecordBatchTooLargeError extends Error {
  override readonly name = 'RecordBatchTooLargeError';
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`encoded record batch of ${sizeBytes} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** Bytes that are not the canonical CBOR of a record batch (not CBOR, not canonical, wrong shape or version). */
export class MalformedRecordBatchError extends Error {
  override readonly name = 'MalformedRecordBatchError';
  constructor(readonly problem: string) {
    super(`record batch bytes are malformed: ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// A received batch checked against the chain (checkReceivedBatch)

/** Why a received batch was refused: the `reason` of every ReceivedBatchError, for metrics and logs. */
export type ReceivedBatchRejection =
  | 'wrong_pair'
  | 'wrong_period'
  | 'range_mismatch'
  | 'duplicate_record_id'
  | 'non_positional_record_id'
  | 'range_already_received'
  | 'tadig_mismatch'
  | 'outside_period'
  | 'digest_mismatch'
  | 'commitment_mismatch';

/** The common base: a received batch that does not match what the chain committed. */
export abstract class ReceivedBatchError extends Error {
  abstract readonly reason: ReceivedBatchRejection;
}

/** The batch names another (creditor, debtor) than the on-chain batch. */
export class WrongBatchPairError extends ReceivedBatchError {
  override readonly name = 'WrongBatchPairError';
  readonly reason = 'wrong_pair';
  constructor(
    readonly received: { readonly creditor: string; readonly debtor: string },
    readonly onChain: { readonly creditor: string; readonly debtor: string },
  ) {
    super(`batch is for ${received.creditor} -> ${received.debtor}, but the on-chain batch is for ${onChain.creditor} -> ${onChain.debtor}`);
  }
}

export class WrongBatchPeriodError extends ReceivedBatchError {
  override readonly name = 'WrongBatchPeriodError';
  readonly reason = 'wrong_period';
  constructor(
    readonly received: string,
    readonly onChain: string,
  ) {
    super(`batch is for period ${received}, but the on-chain batch is for ${onChain}`);
  }
}

/** The batch's firstId or record count differs from the on-chain batch's. */
export class BatchRangeMismatchError extends ReceivedBatchError {
  override readonly name = 'BatchRangeMismatchError';
  readonly reason = 'range_mismatch';
  constructor(
    readonly received: { readonly firstId: bigint; readonly count: bigint },
    readonly onChain: { readonly firstId: bigint; readonly count: bigint },
  ) {
    super(
      `batch holds ids from ${received.firstId}, ${received.count} record(s); the on-chain batch covers ${onChain.count} record(s) from ${onChain.firstId}`,
    );
  }
}

/** Two records of the batch carry the same id. */
export class DuplicateRecordIdError extends ReceivedBatchError {
  override readonly name = 'DuplicateRecordIdError';
  readonly reason = 'duplicate_record_id';
  constructor(
    readonly recordId: bigint,
    readonly positions: readonly [number, number],
  ) {
    super(`record id ${recordId} appears twice in the batch (records[${positions[0]}] and records[${positions[1]}])`);
  }
}

/** Record ids are positional (circuit v2): records[i] must have id firstId + i. */
export class NonPositionalRecordIdError extends ReceivedBatchError {
  override readonly name = 'NonPositionalRecordIdError';
  readonly reason = 'non_positional_record_id';
  constructor(
    readonly position: number,
    readonly recordId: bigint,
    readonly expectedId: bigint,
  ) {
    super(`records[${position}] has id ${recordId}, but ids are positional: it must be ${expectedId}`);
  }
}

/** The batch's range overlaps records this node already received for the pair and period. */
export class RangeAlreadyReceivedError extends ReceivedBatchError {
  override readonly name = 'RangeAlreadyReceivedError';
  readonly reason = 'range_already_received';
  constructor(
    readonly range: { readonly firstId: bigint; readonly count: bigint },
    readonly overlapping: { readonly firstId: bigint; readonly count: bigint },
  ) {
    super(
      `records ${range.firstId} .. ${range.firstId + range.count - 1n} overlap ${overlapping.firstId} .. ${overlapping.firstId + overlapping.count - 1n}, already received`,
    );
  }
}

/** A record's visited or home network is not the batch's creditor or debtor. */
export class RecordTadigMismatchError extends ReceivedBatchError {
  override readonly name = 'RecordTadigMismatchError';
  readonly reason = 'tadig_mismatch';
  constructor(
    readonly position: number,
    readonly field: 'visitedTadig' | 'homeTadig',
    readonly value: string,
    readonly expected: string,
  ) {
    super(`records[${position}].${field} is ${value}, but the batch's ${field === 'visitedTadig' ? 'creditor' : 'debtor'} is ${expected}`);
  }
}

/** A record started outside the batch's period (UTC calendar month). */
export class RecordOutsidePeriodError extends ReceivedBatchError {
  override readonly name = 'RecordOutsidePeriodError';
  readonly reason = 'outside_period';
  constructor(
    readonly position: number,
    readonly startTime: bigint,
    readonly period: string,
  ) {
    super(`records[${position}].startTime ${startTime} (${new Date(Number(startTime) * 1000).toISOString()}) is outside period ${period} (UTC)`);
  }
}

/** sha256 of the canonical encoding differs from the digest committed on chain (both as hex here). */
export class RecordsDigestMismatchError extends ReceivedBatchError {
  override readonly name = 'RecordsDigestMismatchError';
  readonly reason = 'digest_mismatch';
  constructor(
    readonly received: string,
    readonly onChain: string,
  ) {
    super(`records digest ${received} differs from the on-chain digest ${onChain}`);
  }
}

/** The circuit's batch commitment over the records differs from the one committed on chain. */
export class BatchCommitmentMismatchError extends ReceivedBatchError {
  override readonly name = 'BatchCommitmentMismatchError';
  readonly reason = 'commitment_mismatch';
  constructor(
    readonly received: bigint,
    readonly onChain: bigint,
    readonly batchSize: number,
  ) {
    super(`batch commitment for settlement-${batchSize} is ${received}, but the on-chain commitment is ${onChain}`);
  }
}
