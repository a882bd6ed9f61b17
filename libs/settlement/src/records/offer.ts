/**
 * The header of a record batch on the records protocol: what the debtor's node decides on
 * before any record is sent (the pair, the period and the id range). Canonical CBOR, bounded by
 * the p2p private header limit.
 */
import { describeValue, encodeCanonical } from '@consortium/consensus';
import { PRIVATE_HEADER_MAX_BYTES } from '@consortium/p2p';
import { decodeStrict } from './codec.js';
import { InvalidRecordBatchError, MalformedRecordBatchError } from './errors.js';
import { RECORD_BATCH_FORMAT_VERSION, RECORD_BATCH_MAX_RECORDS, RECORD_ID_BITS } from './limits.js';
import type { RecordBatch } from './types.js';
import { assertPeriod, assertTadig, assertUnsigned } from './validate.js';

/** A record batch announced to its debtor: the batch's identity, none of its records. */
export interface RecordOffer {
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly firstId: bigint;
  readonly count: bigint;
}

const OFFER_KEYS = ['count', 'creditor', 'debtor', 'firstId', 'period', 'v'] as const;

export function offerOf(batch: RecordBatch): RecordOffer {
  return { creditor: batch.creditor, debtor: batch.debtor, period: batch.period, firstId: batch.firstId, count: BigInt(batch.records.length) };
}

export function encodeRecordOffer(offer: RecordOffer): Uint8Array {
  assertOffer(offer);
  return encodeCanonical({ v: RECORD_BATCH_FORMAT_VERSION, ...offer });
}

/** MalformedRecordBatchError for bytes that are not a canonical offer; InvalidRecordBatchError naming a field out of range. */
export function decodeRecordOffer(bytes: Uint8Array): RecordOffer {
  const value = decodeStrict(bytes, PRIVATE_HEADER_MAX_BYTES, 'record offer');
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) throw new MalformedRecordBatchError('offer: expected a map');
  const wire = value as Record<string, unknown>;
  const keys = Object.keys(wire).sort();
  if (keys.length !== OFFER_KEYS.length || keys.some((key, i) => key !== OFFER_KEYS[i])) throw new MalformedRecordBatchError(`offer: expected exactly the keys ${OFFER_KEYS.join(', ')}`);
  if (wire.v !== RECORD_BATCH_FORMAT_VERSION) throw new MalformedRecordBatchError(`offer: format version ${describeValue(wire.v)} is not ${RECORD_BATCH_FORMAT_VERSION}`);
  const toBigint = (field: unknown) => (typeof field === 'number' && Number.isSafeInteger(field) ? BigInt(field) : field);
  const offer = { creditor: wire.creditor, debtor: wire.debtor, period: wire.period, firstId: toBigint(wire.firstId), count: toBigint(wire.count) } as RecordOffer;
  assertOffer(offer);
  return offer;
}

function assertOffer(offer: RecordOffer): void {
  assertTadig(offer.creditor, 'creditor');
  assertTadig(offer.debtor, 'debtor');
  assertPeriod(offer.period, 'period');
  assertUnsigned(offer.firstId, RECORD_ID_BITS, 'firstId');
  assertUnsigned(offer.count, RECORD_ID_BITS, 'count');
  if (offer.count < 1n || offer.count > BigInt(RECORD_BATCH_MAX_RECORDS)) throw new InvalidRecordBatchError('count', `${offer.count} is outside 1 .. ${RECORD_BATCH_MAX_RECORDS}`);
}
