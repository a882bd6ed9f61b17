import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import { MalformedMessageError, OversizedMessageError } from '../errors.js';
import { CBOR_NESTING_MAX, exceedsCborNesting } from './nesting.js';

/**
 * The one canonical encoding for everything hashed or signed: deterministic CBOR (RFC 8949
 * core deterministic encoding: shortest integer forms, map keys sorted bytewise, no indefinite
 * lengths). Decoding checks the size and the nesting before parsing, parses strictly, and re-encodes to make
 * sure the input was the canonical form: two encodings of one value would let a peer change a
 * message's bytes (and hash) without changing its meaning.
 */

export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
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
  if (!bytesEqual(encodeCanonical(value), bytes)) {
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
