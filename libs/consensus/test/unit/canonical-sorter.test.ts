import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANONICAL_ENCODE_OPTIONS } from '../../src/encoding/canonical.js';

// Keys of every kind that changes an encoding's order: ASCII of every length around the header
// sizes (23/24 and 255/256 characters), non-ASCII text (several bytes a character), and the
// integer keys some maps carry.
const textKey = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 250, maxLength: 260 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(textKey, tie('value'), { maxKeys: 8 }), tie('intMap')),
  intMap: fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), leaf), { maxLength: 5 }).map((entries) => new Map(entries)),
}));

describe('the canonical encoding\'s key sort', () => {
  it('gives exactly the bytes of cborg\'s RFC 8949 sorter, whatever the keys', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(Buffer.from(encode(input, CANONICAL_ENCODE_OPTIONS)).equals(Buffer.from(encode(input, rfc8949EncodeOptions)))).toBe(true);
      }),
      { numRuns: 2_000, seed: 8949 },
    );
  });

  it('puts the shorter key first, then orders by bytes', () => {
    const bytes = encode({ bb: 1, é: 2, ['x'.repeat(24)]: 3, ab: 4, a: 5 }, CANONICAL_ENCODE_OPTIONS);
    // é is two bytes (0xc3 0xa9): among the keys of two bytes, after the ASCII ones.
    expect(Object.keys(decode(bytes) as object)).toEqual(['a', 'ab', 'bb', 'é', 'x'.repeat(24)]);
  });
});
