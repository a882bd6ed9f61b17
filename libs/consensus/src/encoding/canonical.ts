import { decode, encode, rfc8949EncodeOptions, Token, Type, type EncodeOptions } from 'cborg';
import { MalformedMessageError, OversizedMessageError } from '../errors.js';
import { canonicalVerdict } from './canonical-form.js';
import { CBOR_NESTING_MAX, exceedsCborNesting } from './nesting.js';

/**
 * The one canonical encoding for everything hashed or signed: deterministic CBOR (RFC 8949
 * core deterministic encoding: shortest integer forms, map keys sorted bytewise, no indefinite
 * lengths). Decoding checks the size and the nesting before parsing, parses strictly, and checks
 * that the input was the canonical form (canonical-form.ts, which answers as re-encoding would):
 * two encodings of one value would let a peer change a message's bytes (and hash) without
 * changing its meaning.
 */

type MapEntry = readonly (Token | readonly Token[])[];
const rfc8949MapSorter = rfc8949EncodeOptions.mapSorter as unknown as (e1: MapEntry, e2: MapEntry) => number;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * RFC 8949's key order (bytewise over each key's encoding) without encoding the keys: cborg's
 * own sorter encodes both keys of every comparison into new buffers, 9 % of a 10-member
 * simulation's CPU. An ASCII text key's encoding is a header that grows with its length, then
 * its bytes, one per character; so the shorter key sorts first, and keys of one length sort as
 * their characters. Any other key (numbers, non-ASCII text) goes to cborg's sorter. The output
 * is byte-for-byte cborg's (a property test compares the two).
 */
function canonicalMapSorter(e1: MapEntry, e2: MapEntry): number {
  const k1 = e1[0];
  const k2 = e2[0];
  if (k1 instanceof Token && k2 instanceof Token && k1.type === Type.string && k2.type === Type.string) {
    const a = k1.value as string;
    const b = k2.value as string;
    if (isAscii(a) && isAscii(b)) {
      if (a.length !== b.length) return a.length - b.length;
      return a < b ? -1 : a > b ? 1 : 0;
    }
  }
  return rfc8949MapSorter(e1, e2);
}

/** cborg's RFC 8949 options with the faster key sort; same bytes. */
export const CANONICAL_ENCODE_OPTIONS: EncodeOptions = { ...rfc8949EncodeOptions, mapSorter: canonicalMapSorter };

export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, CANONICAL_ENCODE_OPTIONS);
}

const STRICT_DECODE = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowNaN: false,
  allowInfinity: false,
} as const;

export function decodeCanonical(bytes: Uint8Array, maxBytes: number, what = 'message'): unknown {
  if (bytes.byteLength > maxBytes) throw new OversizedMessageError(bytes.byteLength, maxBytes, what);
  if (exceedsCborNesting(bytes)) throw new MalformedMessageError(`${what} nests deeper than ${CBOR_NESTING_MAX} levels`);
  let value: unknown;
  try {
    value = decode(bytes, STRICT_DECODE);
  } catch (error) {
    throw new MalformedMessageError(`${what} is not valid CBOR: ${(error as Error).message}`);
  }
  // Read from the bytes; a float (no value of the project has one) takes the re-encoding.
  const verdict = canonicalVerdict(bytes);
  if (verdict === 'not-canonical' || (verdict === 'unknown' && !bytesEqual(encodeCanonical(value), bytes))) {
    throw new MalformedMessageError(`${what} is not in canonical CBOR form`);
  }
  return value;
}

/** Below this many bytes a loop beats the native compare's call (hashes, keys, signatures). */
const NATIVE_COMPARE_MIN_BYTES = 64;

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  // Frames and blocks (every decode compares its re-encoding with the input): memcmp. A byte loop
  // here was 15 % of a 10-member simulation's CPU.
  if (a.byteLength >= NATIVE_COMPARE_MIN_BYTES) return Buffer.compare(a, b) === 0;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
