import { CBOR_NESTING_MAX, decodeCanonical, encodeCanonical } from '@consortium/consensus';
import { describe, expect, it } from 'vitest';
import {
  CborDecodeError,
  decodeRecordBatch,
  decodeRecordOffer,
  decodeSettlementCbor,
  decodeSettlementTx,
  encodeRecordBatch,
  encodeRecordOffer,
  encodeSettlementCbor,
  InvalidRecordBatchError,
  MalformedRecordBatchError,
  offerOf,
  txBodyFromJson,
  UnknownTxTypeError,
} from '../../src/index.js';
import { batch } from './records-fixtures.js';

/**
 * Regressions found by `npm run fuzz` (tools/src/fuzz): inputs that made a settlement decoder
 * throw a TypeError or RangeError instead of its own error class. A checkTx that throws one of
 * those rejects instead of answering: the mempool logs an error and the API answers 500.
 */

function nestedArrays(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81);
  bytes[depth] = 0x00;
  return bytes;
}

describe('settlement decoders refuse hostile input with their own errors (fuzz regressions)', () => {
  it('a body whose type is a bignum is an unknown type (quoting it with JSON.stringify threw a TypeError)', () => {
    const bytes = encodeSettlementCbor({ body: { statementId: new Uint8Array(32), type: 5n }, signatures: [{ member: 'SFR-FR', signature: new Uint8Array(64) }] });
    expect(() => decodeSettlementTx(bytes)).toThrow(UnknownTxTypeError);
    expect(() => decodeSettlementTx(bytes)).toThrow('body.type 5n is not a settlement transaction type');
  });

  it('CBOR nested deeper than the bound is malformed before decoding (re-encoding it overflowed the stack: RangeError)', () => {
    const deep = nestedArrays(20_000);
    expect(() => decodeSettlementCbor(deep, deep.byteLength, 'tx')).toThrow(CborDecodeError);
    expect(() => decodeSettlementCbor(deep, deep.byteLength, 'tx')).toThrow(`tx nests deeper than ${CBOR_NESTING_MAX} levels`);
  });

  it('a record batch whose creditor is a large integer is an invalid field (quoting it with JSON.stringify threw a TypeError)', () => {
    const wire = decodeCanonical(encodeRecordBatch(batch()), Number.MAX_SAFE_INTEGER) as Record<string, unknown>;
    const bytes = encodeCanonical({ ...wire, creditor: 2n ** 60n });
    expect(() => decodeRecordBatch(bytes)).toThrow(InvalidRecordBatchError);
    expect(() => decodeRecordBatch(bytes)).toThrow('record batch field creditor is invalid: 1152921504606846976n is not a TADIG code');
  });

  it('an offer or batch whose format version is a map with a toString key is malformed (String() of it threw a TypeError)', () => {
    const offer = decodeCanonical(encodeRecordOffer(offerOf(batch())), Number.MAX_SAFE_INTEGER) as Record<string, unknown>;
    expect(() => decodeRecordOffer(encodeCanonical({ ...offer, v: { toString: 0 } }))).toThrow(MalformedRecordBatchError);
    const wire = decodeCanonical(encodeRecordBatch(batch()), Number.MAX_SAFE_INTEGER) as Record<string, unknown>;
    expect(() => decodeRecordBatch(encodeCanonical({ ...wire, v: { toString: 0 } }))).toThrow('format version {"toString":0} is not 1');
  });

  it('a JSON body whose fields sit under "__proto__" is refused (they became the prototype, and passed for the body\'s own)', () => {
    const hidden = JSON.parse('{"__proto__": {"type": "close_period", "period": "2026-11"}}') as unknown;
    expect(() => txBodyFromJson(hidden)).toThrow(UnknownTxTypeError);
    const extra = JSON.parse('{"type": "close_period", "period": "2026-11", "__proto__": {}}') as unknown;
    expect(() => txBodyFromJson(extra)).toThrow('body.__proto__: is not a field of this transaction');
    expect(txBodyFromJson({ type: 'close_period', period: '2026-11' })).toEqual({ type: 'close_period', period: '2026-11' });
  });
});
