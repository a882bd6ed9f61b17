/**
 * The shape and ranges of a record batch: what every batch must satisfy before it is encoded,
 * hashed or committed, and what a decoded one must satisfy before anyone uses it. The checks
 * against the chain (pair, range, digest, commitment) are in check.ts.
 */
import { describeValue } from '@consortium/consensus';
import { FIELD_MODULUS } from '@consortium/zkp';
import { InvalidRecordBatchError } from './errors.js';
import {
  PERIOD_PATTERN,
  RECORD_BATCH_MAX_RECORDS,
  RECORD_ID_BITS,
  SETTLEMENT_SERVICES,
  START_TIME_BITS,
  SUBSCRIBER_REF_PATTERN,
  TADIG_PATTERN,
  VOLUME_BITS,
} from './limits.js';
import type { RecordBatch, UsageRecord } from './types.js';

export function assertUnsigned(value: unknown, bits: number, field: string): asserts value is bigint {
  if (typeof value !== 'bigint') throw new InvalidRecordBatchError(field, `expected a bigint, got ${typeof value}`);
  if (value < 0n || value >= 1n << BigInt(bits)) throw new InvalidRecordBatchError(field, `${value} is outside 0 .. 2^${bits} - 1`);
}

export function assertTadig(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !TADIG_PATTERN.test(value)) {
    throw new InvalidRecordBatchError(field, `${describeValue(value)} is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. FRAF1)`);
  }
}

export function assertPeriod(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !PERIOD_PATTERN.test(value)) throw new InvalidRecordBatchError(field, `${describeValue(value)} is not a period "YYYY-MM"`);
}

export function assertRecord(record: UsageRecord, position: number): void {
  const at = `records[${position}]`;
  if (typeof record !== 'object' || record === null) throw new InvalidRecordBatchError(at, 'expected a usage record object');
  assertUnsigned(record.recordId, RECORD_ID_BITS, `${at}.recordId`);
  if (typeof record.subscriberRef !== 'string' || !SUBSCRIBER_REF_PATTERN.test(record.subscriberRef)) {
    throw new InvalidRecordBatchError(`${at}.subscriberRef`, 'expected 32 lowercase hex characters (a salted hash, never an IMSI)');
  }
  if (!(SETTLEMENT_SERVICES as readonly unknown[]).includes(record.service)) {
    throw new InvalidRecordBatchError(`${at}.service`, `${describeValue(record.service)} is not one of ${SETTLEMENT_SERVICES.join(', ')}`);
  }
  assertUnsigned(record.startTime, START_TIME_BITS, `${at}.startTime`);
  assertUnsigned(record.volume, VOLUME_BITS, `${at}.volume`);
  assertTadig(record.visitedTadig, `${at}.visitedTadig`);
  assertTadig(record.homeTadig, `${at}.homeTadig`);
}

/** Throws InvalidRecordBatchError naming the first field out of its format or range. */
export function assertRecordBatch(batch: RecordBatch): void {
  if (typeof batch !== 'object' || batch === null) throw new InvalidRecordBatchError('batch', 'expected a record batch object');
  assertTadig(batch.creditor, 'creditor');
  assertTadig(batch.debtor, 'debtor');
  if (batch.creditor === batch.debtor) throw new InvalidRecordBatchError('debtor', `is the creditor ${batch.creditor}: a batch is between two networks`);
  assertPeriod(batch.period, 'period');
  assertUnsigned(batch.firstId, RECORD_ID_BITS, 'firstId');
  if (typeof batch.salt !== 'bigint' || batch.salt < 0n || batch.salt >= FIELD_MODULUS) {
    throw new InvalidRecordBatchError('salt', 'expected a bigint field element (0 <= salt < the BN254 scalar field modulus)');
  }
  if (!Array.isArray(batch.records)) throw new InvalidRecordBatchError('records', 'expected an array');
  const count = batch.records.length;
  if (count === 0 || count > RECORD_BATCH_MAX_RECORDS) throw new InvalidRecordBatchError('records', `holds ${count} records; a batch holds 1 .. ${RECORD_BATCH_MAX_RECORDS}`);
  if (batch.firstId + BigInt(count) > 1n << BigInt(RECORD_ID_BITS)) {
    throw new InvalidRecordBatchError('firstId', `ids ${batch.firstId} .. ${batch.firstId + BigInt(count) - 1n} run past 2^${RECORD_ID_BITS} - 1`);
  }
  batch.records.forEach(assertRecord);
}
