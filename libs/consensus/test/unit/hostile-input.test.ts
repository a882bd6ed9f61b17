import { describe, expect, it } from 'vitest';
import {
  CBOR_NESTING_MAX,
  decodeCanonical,
  decodeConsensusMessage,
  decodeEvidence,
  describeValue,
  encodeCanonical,
  exceedsCborNesting,
  GenesisValidationError,
  MalformedMessageError,
  parseGenesis,
} from '../../src/index.js';

/**
 * Regressions found by `npm run fuzz` (tools/src/fuzz): inputs that made a decoder throw a
 * TypeError or RangeError instead of its own error class. Each refusal must be the decoder's.
 */

const LIMITS = { blockMaxBytes: 64 * 1024, blockMaxTxs: 16, txMaxBytes: 1024 };

/** `depth` nested one-element arrays around 0: canonical CBOR, and deeper than cborg's encoder can write back. */
function nestedArrays(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81);
  bytes[depth] = 0x00;
  return bytes;
}

describe('decoders refuse hostile input with their own errors (fuzz regressions)', () => {
  it('a consensus message whose kind is a bignum-sized integer is malformed (the error message quoted it with JSON.stringify: TypeError)', () => {
    const frame = encodeCanonical({ k: 2n ** 60n });
    expect(() => decodeConsensusMessage(frame, LIMITS)).toThrow(MalformedMessageError);
    expect(() => decodeConsensusMessage(frame, LIMITS)).toThrow('unknown kind 1152921504606846976n');
  });

  it('evidence that is not a map is malformed (null used to be read as a map: TypeError)', () => {
    expect(() => decodeEvidence(encodeCanonical(null))).toThrow(MalformedMessageError);
    expect(() => decodeEvidence(encodeCanonical(7))).toThrow('evidence: must be a map');
    expect(() => decodeEvidence(encodeCanonical({ k: 2n ** 60n }))).toThrow(MalformedMessageError);
  });

  it('CBOR nested deeper than CBOR_NESTING_MAX is malformed before decoding (re-encoding a few thousand levels overflowed the stack: RangeError, in time quadratic in the depth)', () => {
    const deep = nestedArrays(20_000);
    expect(() => decodeCanonical(deep, deep.byteLength)).toThrow(MalformedMessageError);
    expect(() => decodeCanonical(deep, deep.byteLength)).toThrow(`message nests deeper than ${CBOR_NESTING_MAX} levels`);
    expect(() => decodeConsensusMessage(deep, LIMITS)).toThrow(MalformedMessageError);
    expect(decodeCanonical(nestedArrays(CBOR_NESTING_MAX), CBOR_NESTING_MAX + 1)).toBeDefined();
    expect(() => decodeCanonical(nestedArrays(CBOR_NESTING_MAX + 1), CBOR_NESTING_MAX + 2)).toThrow(MalformedMessageError);
  });

  it('exceedsCborNesting reads the heads of maps, tags, strings and wide lengths', () => {
    const value = { a: [new Uint8Array(300), 'x'.repeat(70_000), 2n ** 60n, [[[1]]]], b: { c: { d: null } } };
    // the map, `a`, and three arrays around 1: five levels
    expect(exceedsCborNesting(encodeCanonical(value), 5)).toBe(false);
    expect(exceedsCborNesting(encodeCanonical(value), 4)).toBe(true);
    // a tag (55799, "self-described CBOR") around an array of one array: three levels
    expect(exceedsCborNesting(Uint8Array.of(0xd9, 0xd9, 0xf7, 0x81, 0x81, 0x00), 2)).toBe(true);
    expect(exceedsCborNesting(Uint8Array.of(0xd9, 0xd9, 0xf7, 0x81, 0x81, 0x00), 3)).toBe(false);
    // cut short: left to the decoder
    expect(exceedsCborNesting(Uint8Array.of(0x9b, 0x00), 0)).toBe(false);
  });

  it('parseGenesis lists a deeply nested parameter as a problem (quoting it overflowed the stack: RangeError)', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 200_000; i++) nested = [nested];
    const problems = (() => {
      try {
        parseGenesis({ chainId: 'x', consensus: { timeoutProposeMs: nested } });
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(GenesisValidationError);
        return (error as GenesisValidationError).problems;
      }
    })();
    expect(problems.some((problem) => problem.startsWith('consensus.timeoutProposeMs: must be an integer'))).toBe(true);
  });
});

describe('describeValue', () => {
  it('quotes bigints, byte strings and long values without throwing', () => {
    expect(describeValue(5n)).toBe('5n');
    expect(describeValue({ a: new Uint8Array(3) })).toBe('{"a":"<3 bytes>"}');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue('x'.repeat(200))).toHaveLength(81);
  });
});
