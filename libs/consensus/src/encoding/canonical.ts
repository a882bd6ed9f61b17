import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import { MalformedMessageError, OversizedMessageError } from '../errors.js';

/**
 * The one canonical encoding for everything hashed or signed: deterministic CBOR (RFC 8949
 * core deterministic encoding: shortest integer forms, map keys sorted bytewise, no indefinite
 * lengths). Decoding checks the size before parsing, parses strictly, and re-encodes to make
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
  let value: unknown;
  try {
    value = decode(bytes, STRICT_DECODE);
  } catch (error) {
    throw new MalformedMessageError(`${what} is not valid CBOR: ${(error as Error).message}`);
  }
  if (!bytesEqual(reencoded(value, what), bytes)) {
    throw new MalformedMessageError(`${what} is not in canonical CBOR form`);
  }
  return value;
}

/**
 * The canonical encoding of a value just decoded. cborg decodes deeper nesting than its
 * (recursive) encoder can write back: a frame of a few thousand nested arrays overflows the
 * stack here. No structure of the project nests more than a few levels, so that is a malformed
 * frame, not a crash.
 */
function reencoded(value: unknown, what: string): Uint8Array {
  try {
    return encodeCanonical(value);
  } catch (error) {
    throw new MalformedMessageError(`${what} cannot be encoded again (${(error as Error).name}): nested too deeply`);
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
