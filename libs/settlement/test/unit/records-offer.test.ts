import { encodeCanonical } from '@consortium/consensus';
import { PRIVATE_HEADER_MAX_BYTES } from '@consortium/p2p';
import { describe, expect, it } from 'vitest';
import { decodeRecordOffer, encodeRecordOffer, InvalidRecordBatchError, MalformedRecordBatchError, offerOf, RECORD_BATCH_MAX_RECORDS } from '../../src/index.js';
import { batch } from './records-fixtures.js';

describe('the offer of a record batch (the records protocol header)', () => {
  it("names the batch's pair, period and range, round-trips, and fits the p2p header limit at its widest", () => {
    const offer = offerOf(batch());
    expect(offer).toEqual({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 10n, count: 4n });
    expect(decodeRecordOffer(encodeRecordOffer(offer))).toEqual(offer);
    const widest = { ...offer, firstId: (1n << 64n) - 1n, count: BigInt(RECORD_BATCH_MAX_RECORDS) };
    expect(decodeRecordOffer(encodeRecordOffer(widest))).toEqual(widest);
    expect(encodeRecordOffer(widest).byteLength).toBeLessThan(PRIVATE_HEADER_MAX_BYTES);
  });

  it('refuses bytes that are not a canonical offer, and fields out of range', () => {
    const wire = (overrides: Record<string, unknown>) => encodeCanonical({ v: 1, creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0, count: 1, ...overrides });
    expect(decodeRecordOffer(wire({}))).toEqual({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0n, count: 1n });
    expect(() => decodeRecordOffer(Uint8Array.of(0xa1))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordOffer(new Uint8Array(PRIVATE_HEADER_MAX_BYTES + 1))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordOffer(wire({ v: 9 }))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordOffer(wire({ records: [] }))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordOffer(wire({ count: 0 }))).toThrow(expect.objectContaining({ name: 'InvalidRecordBatchError', field: 'count' }));
    expect(() => decodeRecordOffer(wire({ count: RECORD_BATCH_MAX_RECORDS + 1 }))).toThrow(InvalidRecordBatchError);
    expect(() => decodeRecordOffer(wire({ creditor: 'X' }))).toThrow(expect.objectContaining({ field: 'creditor' }));
    expect(() => decodeRecordOffer(wire({ firstId: -1 }))).toThrow(expect.objectContaining({ field: 'firstId' }));
  });
});
