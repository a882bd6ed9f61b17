import { InvalidDataLengthLengthError } from '@libp2p/utils';
import { describe, expect, it } from 'vitest';
import { boundedLengthDecoder, isOversizedFrame } from '../../src/streams.js';

/**
 * Regression found by `npm run fuzz` (tools/src/fuzz, target p2p-wire): libp2p's lpStream took a
 * varint of more than 8 bytes for an incomplete one (uint8-varint throws RangeError for both), so
 * a member writing continuation bytes was read a byte at a time, never refused and never scored.
 * The decoder every reader of the private exchange now passes refuses a prefix longer than its
 * limit needs as an oversized frame.
 */

describe('boundedLengthDecoder', () => {
  const decode = boundedLengthDecoder(4_100); // two bytes of prefix at most

  it('decodes complete prefixes within the limit', () => {
    expect(decode(Uint8Array.of(0x05))).toBe(5);
    expect(decode(Uint8Array.of(0x84, 0x20))).toBe(4_100);
    // a value over the limit decodes: lpStream refuses it as InvalidDataLengthError
    expect(decode(Uint8Array.of(0xff, 0x7f))).toBe(16_383);
  });

  it('asks for the next byte while the prefix is short (RangeError, as lpStream expects)', () => {
    expect(() => decode(Uint8Array.of(0x80))).toThrow(RangeError);
  });

  it('refuses a prefix longer than the limit needs, complete or not, as an oversized frame', () => {
    for (const prefix of [Uint8Array.of(0x80, 0x80, 0x01), Uint8Array.of(0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x04), new Uint8Array(10_000).fill(0x80)]) {
      let thrown: unknown = null;
      try {
        decode(prefix);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidDataLengthLengthError);
      expect(isOversizedFrame(thrown)).toBe(true);
    }
  });

  it('reads lpStream\'s own buffer type (a list with get)', () => {
    const list = { byteLength: 2, get: (index: number) => [0x84, 0x20][index]! };
    expect(decode(list)).toBe(4_100);
  });
});
