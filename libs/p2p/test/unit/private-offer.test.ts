import { describe, expect, it } from 'vitest';
import { encodeOffer, parseOffer, PRIVATE_OFFER_MAX_BYTES } from '../../src/private-offer.js';
import { PRIVATE_HEADER_MAX_BYTES, PRIVATE_OFFER_PREFIX_BYTES, PRIVATE_STATUS } from '../../src/index.js';

describe('the offer frame of a private message', () => {
  it('round-trips the declared body length and the header, up to the largest header', () => {
    for (const [bodyBytes, headerBytes] of [
      [0, 0],
      [1, 1],
      [16 * 1024 * 1024, 37],
      [2 ** 32 - 1, PRIVATE_HEADER_MAX_BYTES],
    ] as const) {
      const header = new Uint8Array(headerBytes).map((_, i) => i % 251);
      const frame = encodeOffer(bodyBytes, header);
      expect(frame.byteLength).toBe(PRIVATE_OFFER_PREFIX_BYTES + headerBytes);
      const offer = parseOffer(frame);
      expect(offer?.bodyBytes).toBe(bodyBytes);
      expect(Buffer.from(offer!.header).equals(Buffer.from(header))).toBe(true);
    }
  });

  it('puts the length first, big-endian', () => {
    expect([...encodeOffer(0x01020304, Uint8Array.of(9))]).toEqual([1, 2, 3, 4, 9]);
  });

  it('reads an offer inside a larger buffer at its own offset', () => {
    const backing = new Uint8Array(16);
    backing.set([0, 0, 1, 0, 7, 7], 8);
    const offer = parseOffer(backing.subarray(8, 14));
    expect(offer).toEqual({ bodyBytes: 256, header: Uint8Array.of(7, 7) });
  });

  it('is null for a frame shorter than the prefix or longer than the largest offer', () => {
    expect(parseOffer(new Uint8Array(PRIVATE_OFFER_PREFIX_BYTES - 1))).toBeNull();
    expect(parseOffer(new Uint8Array(PRIVATE_OFFER_MAX_BYTES + 1))).toBeNull();
    expect(parseOffer(new Uint8Array(PRIVATE_OFFER_MAX_BYTES))).not.toBeNull();
  });

  it('has one distinct status byte per answer', () => {
    const codes = Object.values(PRIVATE_STATUS);
    expect(new Set(codes).size).toBe(codes.length);
    expect(PRIVATE_STATUS.ok).toBe(0);
  });
});
