import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCanonical } from '../../src/encoding/canonical.js';
import { canonicalVerdict } from '../../src/encoding/canonical-form.js';
import { exceedsCborNesting } from '../../src/encoding/nesting.js';

/**
 * decodeCanonical reads the canonical form from the bytes (canonical-form.ts) instead of encoding
 * the decoded value again. The reference here is that re-encoding, with decodeCanonical's strict
 * decode options: on every input the two must say the same (accepted, not canonical, or invalid).
 * The inputs are CBOR items written by hand with every freedom canonical form forbids: heads
 * wider than needed, map keys in any order (or repeated), invalid UTF-8, floats of any width
 * (integral or not), undefined.
 */

const STRICT_DECODE = { strict: true, rejectDuplicateMapKeys: true, allowUndefined: false, allowIndefinite: false, allowNaN: false, allowInfinity: false } as const;

type Outcome = 'accepted' | 'not-canonical' | 'invalid';

function byReencoding(bytes: Uint8Array): Outcome {
  let value: unknown;
  try {
    value = decode(bytes, STRICT_DECODE);
  } catch {
    return 'invalid';
  }
  return Buffer.from(encode(value, rfc8949EncodeOptions)).equals(bytes) ? 'accepted' : 'not-canonical';
}

function byDecodeCanonical(bytes: Uint8Array): Outcome {
  try {
    decodeCanonical(bytes, 1 << 20);
    return 'accepted';
  } catch (error) {
    return /not in canonical CBOR form/.test((error as Error).message) ? 'not-canonical' : 'invalid';
  }
}

// ----- CBOR items written by hand

/** A head's width: the shortest, or 1, 2, 4 or 8 argument bytes (wider than needed, or too narrow: then the shortest). */
type Width = 'shortest' | 0 | 1 | 2 | 3;
type Item =
  | { readonly kind: 'int'; readonly major: 0 | 1; readonly argument: bigint; readonly width: Width }
  | { readonly kind: 'bytes'; readonly major: 2 | 3; readonly content: Uint8Array; readonly width: Width }
  | { readonly kind: 'array'; readonly items: readonly Item[]; readonly width: Width }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [Item, Item])[]; readonly order: 'as-generated' | 'canonical'; readonly width: Width }
  | { readonly kind: 'simple'; readonly value: 20 | 21 | 22 | 23 }
  | { readonly kind: 'float'; readonly value: number; readonly bits: 32 | 64 };

function head(major: number, argument: bigint, width: Width): Uint8Array {
  const shortest: Exclude<Width, 'shortest'> | 'inline' = argument < 24n ? 'inline' : argument < 0x100n ? 0 : argument < 0x1_0000n ? 1 : argument < 0x1_0000_0000n ? 2 : 3;
  const chosen = width === 'shortest' || (shortest !== 'inline' && width < shortest) ? shortest : width;
  if (chosen === 'inline') return Uint8Array.of((major << 5) | Number(argument));
  const size = 1 << chosen;
  const out = new Uint8Array(1 + size);
  out[0] = (major << 5) | (24 + chosen);
  for (let i = 0; i < size; i++) out[size - i] = Number((argument >> BigInt(8 * i)) & 0xffn);
  return out;
}

function write(item: Item): Uint8Array {
  switch (item.kind) {
    case 'int':
      return head(item.major, item.argument, item.width);
    case 'bytes':
      return Buffer.concat([head(item.major, BigInt(item.content.length), item.width), item.content]);
    case 'array':
      return Buffer.concat([head(4, BigInt(item.items.length), item.width), ...item.items.map(write)]);
    case 'map': {
      const entries = item.entries.map(([key, value]) => [write(key), write(value)] as const);
      if (item.order === 'canonical') entries.sort(([a], [b]) => Buffer.compare(a, b));
      return Buffer.concat([head(5, BigInt(entries.length), item.width), ...entries.flat()]);
    }
    case 'simple':
      return Uint8Array.of(0xe0 | item.value);
    case 'float': {
      const out = Buffer.alloc(1 + item.bits / 8);
      out[0] = item.bits === 32 ? 0xfa : 0xfb;
      if (item.bits === 32) out.writeFloatBE(item.value, 1);
      else out.writeDoubleBE(item.value, 1);
      return out;
    }
  }
}

const width: fc.Arbitrary<Width> = fc.oneof({ weight: 4, arbitrary: fc.constant('shortest' as const) }, fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const));
const argument = fc.oneof(fc.bigInt({ min: 0n, max: 30n }), fc.bigInt({ min: 0n, max: 70_000n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))) },
  // Often not UTF-8: lone continuation bytes, overlong forms, encoded surrogates.
  fc.uint8Array({ maxLength: 4 }),
);
const key: fc.Arbitrary<Item> = fc.record({ kind: fc.constant('bytes' as const), major: fc.constant(3 as const), content: fc.oneof(fc.constantFrom(...['a', 'b', 'ab', 'ba', 'é', 'x'.repeat(24)].map((s) => new Uint8Array(Buffer.from(s)))), text), width });
const { item } = fc.letrec<{ item: Item }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.record({ kind: fc.constant('int' as const), major: fc.constantFrom(0 as const, 1 as const), argument, width }),
    fc.record({ kind: fc.constant('bytes' as const), major: fc.constantFrom(2 as const, 3 as const), content: text, width }),
    fc.record({ kind: fc.constant('array' as const), items: fc.array(tie('item'), { maxLength: 4 }), width }),
    fc.record({
      kind: fc.constant('map' as const),
      entries: fc.array(fc.tuple(fc.oneof({ weight: 9, arbitrary: key }, tie('item')), tie('item')), { maxLength: 4 }),
      order: fc.constantFrom('as-generated' as const, 'canonical' as const),
      width,
    }),
    fc.record({ kind: fc.constant('simple' as const), value: fc.constantFrom(20 as const, 21 as const, 22 as const, 23 as const) }),
    fc.record({ kind: fc.constant('float' as const), value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map(Number), fc.constantFrom(0.5, 1.5, 0.1, -0)), bits: fc.constantFrom(32 as const, 64 as const) }),
  ),
}));

describe('the canonical form read from the bytes', () => {
  it('says what re-encoding the decoded value says, on hand-written items of every kind', () => {
    const seen = new Map<Outcome, number>();
    fc.assert(
      fc.property(item, (generated) => {
        const bytes = write(generated);
        fc.pre(!exceedsCborNesting(bytes));
        const expected = byReencoding(bytes);
        seen.set(expected, (seen.get(expected) ?? 0) + 1);
        expect(byDecodeCanonical(bytes)).toBe(expected);
      }),
      { numRuns: 20_000, seed: 8_949 },
    );
    // The comparison means something only if each outcome occurred often.
    for (const outcome of ['accepted', 'not-canonical', 'invalid'] as const) expect(seen.get(outcome) ?? 0).toBeGreaterThan(1_000);
  });

  it('says what re-encoding says after any byte of a canonical encoding changes', () => {
    fc.assert(
      fc.property(item, fc.nat(), fc.integer({ min: 0, max: 255 }), (generated, at, byte) => {
        const bytes = new Uint8Array(write(generated));
        if (bytes.length > 0) bytes[at % bytes.length] = byte;
        fc.pre(!exceedsCborNesting(bytes));
        expect(byDecodeCanonical(bytes)).toBe(byReencoding(bytes));
      }),
      { numRuns: 10_000, seed: 7_049 },
    );
  });

  it('names the rule each non-canonical form breaks, and leaves floats to the re-encoding', () => {
    const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
    expect(canonicalVerdict(hex('a2616101616202'))).toBe('canonical'); // {a: 1, b: 2}
    expect(canonicalVerdict(hex('a2616201616102'))).toBe('not-canonical'); // {b: 2, a: 1}: keys out of order
    expect(canonicalVerdict(hex('a2626161016162'.concat('02')))).toBe('not-canonical'); // {aa, b}: the longer key first
    expect(canonicalVerdict(hex('9800'))).toBe('not-canonical'); // [] with a one-byte length
    expect(canonicalVerdict(hex('1900ff'))).toBe('not-canonical'); // 255 in two bytes
    expect(canonicalVerdict(hex('62c328'))).toBe('not-canonical'); // text that is not UTF-8
    expect(canonicalVerdict(hex('f93e00'))).toBe('unknown'); // 1.5: a float
    expect(canonicalVerdict(hex('83f4f5f6'))).toBe('canonical'); // [false, true, null]
  });
});
