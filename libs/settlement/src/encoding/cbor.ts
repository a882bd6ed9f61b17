import { CBOR_NESTING_MAX, exceedsCborNesting } from '@consortium/consensus';
import { decode, encode, rfc8949EncodeOptions, Token, Type } from 'cborg';

/**
 * The settlement library's one canonical encoding, for transactions, state records and
 * snapshots: deterministic CBOR (RFC 8949 core deterministic encoding, as consensus uses) in
 * which every bigint, of any size, is a bignum (tag 2, or tag 3 when negative) with minimal
 * big-endian bytes. cborg alone encodes a small bigint as a plain integer that decodes as a
 * number; always tagging keeps money and field elements bigints across a round trip, and one
 * form per value keeps hashes and signatures stable. Decoding checks the size and the nesting first, parses
 * strictly and re-encodes to refuse any second encoding of a value.
 */

const TAG_BIGNUM = 2;
const TAG_NEGATIVE_BIGNUM = 3;

function bigintToBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.byteLength === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`);
}

function bigintEncoder(value: bigint): Token[] {
  const negative = value < 0n;
  return [new Token(Type.tag, negative ? TAG_NEGATIVE_BIGNUM : TAG_BIGNUM), new Token(Type.bytes, bigintToBytes(negative ? -1n - value : value))];
}

const ENCODE_OPTIONS = { ...rfc8949EncodeOptions, typeEncoders: { bigint: bigintEncoder } };

type TagDecodeControl = () => unknown;

function bignumBytes(decodeInner: TagDecodeControl): Uint8Array {
  const inner = decodeInner();
  if (!(inner instanceof Uint8Array)) throw new Error('a bignum tag must wrap a byte string');
  return inner;
}

const tags: ((decodeInner: TagDecodeControl) => unknown)[] = [];
tags[TAG_BIGNUM] = (decodeInner) => bytesToBigint(bignumBytes(decodeInner));
tags[TAG_NEGATIVE_BIGNUM] = (decodeInner) => -1n - bytesToBigint(bignumBytes(decodeInner));

const DECODE_OPTIONS = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowNaN: false,
  allowInfinity: false,
  tags,
} as const;

export function encodeSettlementCbor(value: unknown): Uint8Array {
  return encode(value, ENCODE_OPTIONS);
}

/** Why bytes are not a value of the canonical encoding; `oversized` is checked before parsing. */
export class CborDecodeError extends Error {
  override readonly name = 'CborDecodeError';
  constructor(
    readonly problem: 'oversized' | 'malformed' | 'not_canonical',
    message: string,
  ) {
    super(message);
  }
}

export function decodeSettlementCbor(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.byteLength > maxBytes) throw new CborDecodeError('oversized', `${what} of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes} bytes`);
  // cborg's recursive decoder and encoder on thousands of nested arrays: a stack overflow, or time quadratic in the depth
  if (exceedsCborNesting(bytes)) throw new CborDecodeError('malformed', `${what} nests deeper than ${CBOR_NESTING_MAX} levels`);
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch (error) {
    throw new CborDecodeError('malformed', `${what} is not valid CBOR: ${(error as Error).message}`);
  }
  const again = encodeSettlementCbor(value);
  if (again.byteLength !== bytes.byteLength || Buffer.compare(again, bytes) !== 0) throw new CborDecodeError('not_canonical', `${what} is not in canonical CBOR form`);
  return value;
}
