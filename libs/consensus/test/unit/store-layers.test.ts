import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/hash.js';
import { MemoryDbController, StoreArgumentError, StoreClosedError } from '../../src/store/index.js';
import { frameWithChecksum, unframeWithChecksum } from '../../src/store/framing.js';
import { decodeHeightId, encodeHeightId } from '../../src/store/keys.js';
import { WalRepository } from '../../src/store/repositories/wal.js';
import { utf8 } from './store-fixtures.js';

/** LevelDB's order: bytewise, a prefix before its extensions. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.byteLength - b.byteLength;
}

const heightArbitrary = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('store keys', () => {
  it('encode heights so that bytewise order is numeric order, and decode them back', () => {
    fc.assert(
      fc.property(heightArbitrary, heightArbitrary, (a, b) => {
        expect(decodeHeightId(encodeHeightId(a))).toBe(a);
        expect(Math.sign(compareBytes(encodeHeightId(a), encodeHeightId(b)))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('order WAL keys by height, then by sequence', () => {
    const wal = new WalRepository(new MemoryDbController(), 1024);
    const id = fc.record({ height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), sequence: fc.integer({ min: 0, max: 0xffff_ffff }) });
    fc.assert(
      fc.property(id, id, (a, b) => {
        const expected = a.height !== b.height ? Math.sign(a.height - b.height) : Math.sign(a.sequence - b.sequence);
        expect(Math.sign(compareBytes(wal.encodeKey(a), wal.encodeKey(b)))).toBe(expected);
        expect(wal.decodeKey(wal.encodeKey(a))).toEqual(a);
      }),
    );
  });

  it('refuses heights that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) expect(() => encodeHeightId(bad)).toThrow(StoreArgumentError);
  });

  it('names the bucket and key of a key that does not belong to the bucket', () => {
    const wal = new WalRepository(new MemoryDbController(), 1024);
    expect(() => wal.decodeKey(Uint8Array.of(0x01, 0, 0))).toThrow(expect.objectContaining({ name: 'StoreCorruptionError', bucket: 'wal', keyHex: '010000' }));
    expect(() => wal.decodeKey(Uint8Array.of(0x05, 0, 0))).toThrow(expect.objectContaining({ name: 'StoreCorruptionError', bucket: 'wal' }));
  });
});

describe('checksum framing', () => {
  it('returns the payload of an intact frame and refuses any single flipped bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (payload, flip) => {
        const framed = frameWithChecksum(payload);
        expect(unframeWithChecksum(framed, 64)).toEqual(payload);
        const bit = flip % (framed.byteLength * 8);
        framed[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => unframeWithChecksum(framed, 64)).toThrow();
      }),
    );
  });

  it('refuses a frame shorter than its checksum or a payload above the limit', () => {
    expect(() => unframeWithChecksum(Uint8Array.of(1, 2, 3), 10)).toThrow(/shorter/);
    expect(() => unframeWithChecksum(frameWithChecksum(new Uint8Array(11)), 10)).toThrow(/exceeds/);
  });
});

describe('MemoryDbController', () => {
  type Operation = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };
  const key = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => Uint8Array.of(...bytes.map((b) => b % 4)));
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({ type: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 2 }) }),
    fc.record({ type: fc.constant('del' as const), key }),
  );

  it('scans ranges exactly as a sorted model of its writes does, forwards, backwards and limited', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), key, key, fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), fc.boolean(), async (operations, a, b, limit, reverse) => {
        const db = new MemoryDbController();
        const model = new Map<string, { key: Uint8Array; value: Uint8Array }>();
        for (const op of operations) {
          await db.batch([op], { sync: false });
          if (op.type === 'put') model.set(toHex(op.key), { key: op.key, value: op.value });
          else model.delete(toHex(op.key));
        }
        const [gte, lt] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
        let expected = [...model.values()].filter((e) => compareBytes(e.key, gte) >= 0 && compareBytes(e.key, lt) < 0).sort((x, y) => compareBytes(x.key, y.key));
        if (reverse) expected.reverse();
        if (limit !== undefined) expected = expected.slice(0, limit);
        const scanned: [string, string][] = [];
        for await (const [k, v] of db.entries({ gte, lt, reverse, ...(limit === undefined ? {} : { limit }) })) scanned.push([toHex(k), toHex(v)]);
        expect(scanned).toEqual(expected.map((e) => [toHex(e.key), toHex(e.value)]));
      }),
    );
  });

  it('keeps, after a crash that loses unsynced writes, exactly the writes up to the last synced one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(operation, fc.boolean()), { maxLength: 30 }), async (writes) => {
        const db = new MemoryDbController();
        const lastSynced = writes.map(([, sync]) => sync).lastIndexOf(true);
        const model = new Map<string, string>();
        for (const [index, [op, sync]] of writes.entries()) {
          await db.batch([op], { sync });
          if (index > lastSynced) continue;
          if (op.type === 'put') model.set(toHex(op.key), toHex(op.value));
          else model.delete(toHex(op.key));
        }
        const survivor = db.crashCopy({ loseUnsyncedWrites: true });
        const kept = new Map<string, string>();
        for await (const [k, v] of survivor.entries({ gte: new Uint8Array(0), lt: Uint8Array.of(0xff) })) kept.set(toHex(k), toHex(v));
        expect(kept).toEqual(model);
      }),
    );
  });

  it('answers a missing key with null, and refuses use after close', async () => {
    const db = new MemoryDbController();
    await db.put(utf8('k'), utf8('v'), { sync: true });
    expect(await db.get(utf8('missing'))).toBeNull();
    expect(await db.getMany([utf8('k'), utf8('missing')])).toEqual([utf8('v'), null]);
    await db.close();
    await expect(db.get(utf8('k'))).rejects.toBeInstanceOf(StoreClosedError);
    expect(() => db.entries({ gte: new Uint8Array(0), lt: Uint8Array.of(0xff) })).toThrow(StoreClosedError);
  });
});
