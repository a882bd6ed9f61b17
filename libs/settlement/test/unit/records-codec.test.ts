import { encodeCanonical } from '@consortium/consensus';
import { SETTLEMENT_SERVICES, FIELD_MODULUS } from '@consortium/zkp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRecordBatch,
  encodeRecordBatch,
  InvalidRecordBatchError,
  MalformedRecordBatchError,
  RECORD_BATCH_MAX_BYTES,
  RECORD_BATCH_MAX_RECORDS,
  RecordBatchTooLargeError,
  recordsDigest,
  subscriberRefOf,
  type RecordBatch,
  type UsageRecord,
} from '../../src/index.js';
import { batch, invalidFieldOf, record } from './records-fixtures.js';

const TADIGS = ['DEUD1', 'GBRVF', 'FRAF1', 'NORTM', 'FRAF2'] as const;
const U32 = (1n << 32n) - 1n;
const U64 = (1n << 64n) - 1n;

const recordArb = (visitedTadig: string, homeTadig: string): fc.Arbitrary<Omit<UsageRecord, 'recordId'>> =>
  fc.record({
    subscriberRef: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('hex')),
    service: fc.constantFrom(...SETTLEMENT_SERVICES),
    startTime: fc.bigInt({ min: 0n, max: U32 }),
    volume: fc.bigInt({ min: 0n, max: U32 }),
    visitedTadig: fc.constant(visitedTadig),
    homeTadig: fc.constant(homeTadig),
  });

const batchArb: fc.Arbitrary<RecordBatch> = fc
  .tuple(fc.constantFrom(...TADIGS), fc.constantFrom(...TADIGS), fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }))
  .filter(([creditor, debtor]) => creditor !== debtor)
  .chain(([creditor, debtor, year, month]) =>
    fc.record({
      creditor: fc.constant(creditor),
      debtor: fc.constant(debtor),
      period: fc.constant(`${year}-${String(month).padStart(2, '0')}`),
      firstId: fc.bigInt({ min: 0n, max: U64 - 64n }),
      salt: fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n }),
      records: fc.array(recordArb(creditor, debtor), { minLength: 1, maxLength: 40 }),
    }),
  )
  .map((raw) => ({ ...raw, records: raw.records.map((rest, i) => ({ recordId: raw.firstId + BigInt(i), ...rest })) }));

describe('the canonical encoding of a record batch', () => {
  it('round-trips any valid batch, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(batchArb, (value) => {
        const bytes = encodeRecordBatch(value);
        const decoded = decodeRecordBatch(bytes);
        expect(decoded).toEqual(value);
        expect(Buffer.from(encodeRecordBatch(decoded)).equals(Buffer.from(bytes))).toBe(true);
        expect(recordsDigest(decoded)).toEqual(recordsDigest(value));
      }),
      { numRuns: 200 },
    );
  });

  it('gives one digest per content: any changed field changes it, and the salt hides the records', () => {
    const base = batch();
    const digest = Buffer.from(recordsDigest(base)).toString('hex');
    expect(recordsDigest(base).byteLength).toBe(32);
    const variants: RecordBatch[] = [
      { ...base, salt: base.salt + 1n },
      { ...base, records: base.records.map((r, i) => (i === 2 ? { ...r, volume: r.volume + 1n } : r)) },
      { ...base, records: base.records.map((r, i) => (i === 0 ? { ...r, subscriberRef: 'f'.repeat(32) } : r)) },
      { ...base, records: base.records.map((r, i) => (i === 1 ? { ...r, startTime: r.startTime + 1n } : r)) },
      { ...base, period: '2026-12', records: base.records.map((r) => ({ ...r, startTime: r.startTime + 30n * 86_400n })) },
    ];
    for (const variant of variants) expect(Buffer.from(recordsDigest(variant)).toString('hex')).not.toBe(digest);
  });

  it('encodes the largest legal batch (every field at its widest) within the records frame, and decodes it', () => {
    const records = Array.from({ length: RECORD_BATCH_MAX_RECORDS }, (_, i) =>
      record(U64 - BigInt(RECORD_BATCH_MAX_RECORDS) + 1n + BigInt(i), { startTime: U32, volume: U32, service: 'data', subscriberRef: 'f'.repeat(32) }),
    );
    const widest: RecordBatch = { ...batch(), firstId: records[0]!.recordId, salt: FIELD_MODULUS - 1n, records };
    const bytes = encodeRecordBatch(widest);
    expect(bytes.byteLength).toBeLessThanOrEqual(RECORD_BATCH_MAX_BYTES);
    expect(decodeRecordBatch(bytes).records).toHaveLength(RECORD_BATCH_MAX_RECORDS);
    expect(() => encodeRecordBatch({ ...widest, firstId: widest.firstId - 1n, records: [record(widest.firstId - 1n), ...records] })).toThrow(InvalidRecordBatchError);
  });

  it('refuses bytes over the limit before decoding them', () => {
    expect(() => decodeRecordBatch(new Uint8Array(RECORD_BATCH_MAX_BYTES + 1))).toThrow(RecordBatchTooLargeError);
  });

  it('refuses bytes that are not the canonical CBOR of a batch', () => {
    const good = encodeRecordBatch(batch());
    expect(() => decodeRecordBatch(Uint8Array.of(0xff, 0x00))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordBatch(good.subarray(0, good.byteLength - 1))).toThrow(MalformedRecordBatchError);
    // A non-canonical form of the same map: an integer in a longer form than needed.
    const nonCanonical = Buffer.from(good);
    const firstIdAt = nonCanonical.indexOf(Buffer.from('firstId')) + 'firstId'.length;
    expect(nonCanonical[firstIdAt]).toBe(10); // firstId 10, in its one-byte form
    const longer = Buffer.concat([nonCanonical.subarray(0, firstIdAt), Buffer.from([0x18, 10]), nonCanonical.subarray(firstIdAt + 1)]);
    expect(() => decodeRecordBatch(longer)).toThrow(MalformedRecordBatchError);
    const wire = (overrides: Record<string, unknown>) =>
      encodeCanonical({ v: 1, creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0, salt: new Uint8Array(32), records: [], ...overrides });
    expect(() => decodeRecordBatch(wire({ v: 2 }))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordBatch(wire({ extra: 1 }))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordBatch(encodeCanonical([1, 2, 3]))).toThrow(MalformedRecordBatchError);
    expect(() => decodeRecordBatch(wire({ records: [[0, new Uint8Array(16), 0, 0, 0, 'FRAF1']] }))).toThrow(MalformedRecordBatchError);
  });

  it('names the field of a decoded batch that is out of format or range', () => {
    const wire = (overrides: Record<string, unknown>, recordOverrides: unknown[] = []) => {
      const fields: unknown[] = [5, new Uint8Array(16), 0, 1_793_491_200, 60, 'FRAF1', 'DEUD1'];
      recordOverrides.forEach((value, i) => {
        if (value !== undefined) fields[i] = value;
      });
      return encodeCanonical({ v: 1, creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 5, salt: new Uint8Array(32), records: [fields], ...overrides });
    };
    expect(decodeRecordBatch(wire({})).records[0]!.recordId).toBe(5n);
    const fieldOf = (bytes: Uint8Array) => invalidFieldOf(() => decodeRecordBatch(bytes));
    expect(fieldOf(wire({ creditor: 'fraf1' }))).toBe('creditor');
    expect(fieldOf(wire({ debtor: 'FRAF1' }))).toBe('debtor');
    expect(fieldOf(wire({ period: '2026-13' }))).toBe('period');
    expect(fieldOf(wire({ salt: new Uint8Array(31) }))).toBe('salt');
    expect(fieldOf(wire({ salt: new Uint8Array(32).fill(0xff) }))).toBe('salt'); // above the field modulus
    expect(fieldOf(wire({ records: [] }))).toBe('records');
    expect(fieldOf(wire({}, [-1]))).toBe('records[0].recordId');
    expect(fieldOf(wire({}, [undefined, new Uint8Array(15)]))).toBe('records[0].subscriberRef');
    expect(fieldOf(wire({}, [undefined, undefined, 4]))).toBe('records[0].service');
    expect(fieldOf(wire({}, [undefined, undefined, undefined, 2 ** 32]))).toBe('records[0].startTime');
    expect(fieldOf(wire({}, [undefined, undefined, undefined, undefined, 2 ** 32]))).toBe('records[0].volume');
    expect(fieldOf(wire({}, [undefined, undefined, undefined, undefined, 1.5]))).toBe('records[0].volume');
    expect(fieldOf(wire({}, [undefined, undefined, undefined, undefined, undefined, 'XX']))).toBe('records[0].visitedTadig');
    expect(fieldOf(wire({}, [undefined, undefined, undefined, undefined, undefined, undefined, 7]))).toBe('records[0].homeTadig');
  });

  it('refuses to encode an invalid batch, naming the field', () => {
    expect(() => encodeRecordBatch(batch({ records: [record(10n, { subscriberRef: '310150123456789' })] }))).toThrow(
      expect.objectContaining({ name: 'InvalidRecordBatchError', field: 'records[0].subscriberRef' }),
    );
    expect(() => encodeRecordBatch(batch({ records: [record(10n, { volume: 1n << 32n })] }))).toThrow(expect.objectContaining({ field: 'records[0].volume' }));
    expect(() => encodeRecordBatch(batch({ records: [record(10n, { service: 'voice' as never })] }))).toThrow(expect.objectContaining({ field: 'records[0].service' }));
    expect(() => encodeRecordBatch(batch({ salt: -1n }))).toThrow(expect.objectContaining({ field: 'salt' }));
  });
});

describe('subscriberRefOf', () => {
  it('is a salted 128-bit hash: stable per salt, different across salts, never the input', () => {
    const salt = new Uint8Array(16).fill(7);
    const ref = subscriberRefOf('262011234567890', salt);
    expect(ref).toMatch(/^[0-9a-f]{32}$/);
    expect(subscriberRefOf('262011234567890', salt)).toBe(ref);
    expect(subscriberRefOf('262011234567890', new Uint8Array(16).fill(8))).not.toBe(ref);
    expect(ref).not.toContain('262011234567890');
    expect(() => subscriberRefOf('262011234567890', new Uint8Array(8))).toThrow(InvalidRecordBatchError);
  });
});
