/**
 * The one canonical encoding of a record batch: deterministic CBOR (the project's, from
 * @consortium/consensus: RFC 8949 core deterministic encoding, strict decoding, re-encoded to
 * prove the input was canonical), so a batch has exactly one byte form and one digest.
 *
 * Wire form (a map; keys sorted by the encoder):
 *   { v: 1, creditor: "FRAF1", debtor: "DEUD1", period: "2026-11", firstId: uint,
 *     salt: bytes(32, big-endian), records: [[recordId, subscriberRef: bytes(16),
 *     service: uint (index in SETTLEMENT_SERVICES), startTime, volume, visitedTadig, homeTadig], ...] }
 * Records are arrays, not maps: about 50 bytes each instead of about 120.
 */
import { createHash } from 'node:crypto';
import { decodeCanonical, describeValue, encodeCanonical, MalformedMessageError, OversizedMessageError } from '@consortium/consensus';
import { InvalidRecordBatchError, MalformedRecordBatchError, RecordBatchTooLargeError } from './errors.js';
import { RECORD_BATCH_FORMAT_VERSION, RECORD_BATCH_MAX_BYTES, RECORD_BATCH_MAX_RECORDS, SETTLEMENT_SERVICES } from './limits.js';
import type { RecordBatch, UsageRecord } from './types.js';
import { assertRecordBatch } from './validate.js';

const SALT_BYTES = 32;
const SUBSCRIBER_REF_BYTES = 16;
const RECORD_FIELDS = 7;
const BATCH_KEYS = ['creditor', 'debtor', 'firstId', 'period', 'records', 'salt', 'v'] as const;

/** Checks the batch (InvalidRecordBatchError) and encodes it; RecordBatchTooLargeError past RECORD_BATCH_MAX_BYTES. */
export function encodeRecordBatch(batch: RecordBatch): Uint8Array {
  assertRecordBatch(batch);
  const bytes = encodeCanonical({
    v: RECORD_BATCH_FORMAT_VERSION,
    creditor: batch.creditor,
    debtor: batch.debtor,
    period: batch.period,
    firstId: batch.firstId,
    salt: bigintToBytes(batch.salt, SALT_BYTES),
    records: batch.records.map((record) => [
      record.recordId,
      Buffer.from(record.subscriberRef, 'hex'),
      SETTLEMENT_SERVICES.indexOf(record.service),
      record.startTime,
      record.volume,
      record.visitedTadig,
      record.homeTadig,
    ]),
  });
  if (bytes.byteLength > RECORD_BATCH_MAX_BYTES) throw new RecordBatchTooLargeError(bytes.byteLength, RECORD_BATCH_MAX_BYTES);
  return bytes;
}

/**
 * Decodes bytes from a peer: the size first (RecordBatchTooLargeError), then strict canonical
 * CBOR and the wire shape (MalformedRecordBatchError), then every field's format and range
 * (InvalidRecordBatchError naming the field).
 */
export function decodeRecordBatch(bytes: Uint8Array): RecordBatch {
  if (!(bytes instanceof Uint8Array)) throw new MalformedRecordBatchError('expected bytes (a Uint8Array)');
  if (bytes.byteLength > RECORD_BATCH_MAX_BYTES) throw new RecordBatchTooLargeError(bytes.byteLength, RECORD_BATCH_MAX_BYTES);
  const batch = batchFromWire(decodeStrict(bytes, RECORD_BATCH_MAX_BYTES, 'record batch'));
  assertRecordBatch(batch);
  return batch;
}

/** sha256 over the canonical encoding (32 bytes): what the chain holds as the batch's recordsDigest. */
export function recordsDigest(batch: RecordBatch): Uint8Array {
  return new Uint8Array(createHash('sha256').update(encodeRecordBatch(batch)).digest());
}

/** Strict canonical CBOR of at most `maxBytes`; MalformedRecordBatchError otherwise. */
export function decodeStrict(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  try {
    return decodeCanonical(bytes, maxBytes, what);
  } catch (err) {
    if (err instanceof MalformedMessageError || err instanceof OversizedMessageError) throw new MalformedRecordBatchError(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

function batchFromWire(value: unknown): RecordBatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) throw new MalformedRecordBatchError('expected a map');
  const wire = value as Record<string, unknown>;
  const keys = Object.keys(wire).sort();
  if (keys.length !== BATCH_KEYS.length || keys.some((key, i) => key !== BATCH_KEYS[i])) {
    throw new MalformedRecordBatchError(`expected exactly the keys ${BATCH_KEYS.join(', ')}, got ${keys.join(', ')}`);
  }
  if (wire.v !== RECORD_BATCH_FORMAT_VERSION) throw new MalformedRecordBatchError(`format version ${describeValue(wire.v)} is not ${RECORD_BATCH_FORMAT_VERSION}`);
  if (!Array.isArray(wire.records)) throw new MalformedRecordBatchError('records: expected an array');
  if (wire.records.length > RECORD_BATCH_MAX_RECORDS) throw new InvalidRecordBatchError('records', `holds ${wire.records.length} records; at most ${RECORD_BATCH_MAX_RECORDS}`);
  return {
    creditor: wire.creditor as string,
    debtor: wire.debtor as string,
    period: wire.period as string,
    firstId: integer(wire.firstId, 'firstId'),
    salt: bytesToBigint(fixedBytes(wire.salt, SALT_BYTES, 'salt')),
    records: (wire.records as unknown[]).map(recordFromWire),
  };
}

function recordFromWire(value: unknown, position: number): UsageRecord {
  const at = `records[${position}]`;
  if (!Array.isArray(value) || value.length !== RECORD_FIELDS) throw new MalformedRecordBatchError(`${at}: expected an array of ${RECORD_FIELDS} fields`);
  const [recordId, subscriberRef, service, startTime, volume, visitedTadig, homeTadig] = value as unknown[];
  const serviceIndex = typeof service === 'number' ? service : -1;
  if (!Number.isInteger(serviceIndex) || serviceIndex < 0 || serviceIndex >= SETTLEMENT_SERVICES.length) {
    throw new InvalidRecordBatchError(`${at}.service`, `${describeValue(service)} is not a service index 0 .. ${SETTLEMENT_SERVICES.length - 1}`);
  }
  return {
    recordId: integer(recordId, `${at}.recordId`),
    subscriberRef: Buffer.from(fixedBytes(subscriberRef, SUBSCRIBER_REF_BYTES, `${at}.subscriberRef`)).toString('hex'),
    service: SETTLEMENT_SERVICES[serviceIndex]!,
    startTime: integer(startTime, `${at}.startTime`),
    volume: integer(volume, `${at}.volume`),
    visitedTadig: visitedTadig as string,
    homeTadig: homeTadig as string,
  };
}

/** cborg decodes integers up to 2^53 as numbers and larger ones as bigints; both become bigints here. */
function integer(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidRecordBatchError(field, `expected an unsigned integer, got ${typeof value}`);
}

function fixedBytes(value: unknown, length: number, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength !== length) throw new InvalidRecordBatchError(field, `expected ${length} bytes`);
  return value;
}

function bigintToBytes(value: bigint, length: number): Uint8Array {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function bytesToBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}
