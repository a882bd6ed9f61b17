import { toHex } from '../crypto/hash.js';
import { StoreArgumentError } from './errors.js';

/**
 * Key layout. Every key starts with one bucket byte, so each bucket is one contiguous key range
 * and a range scan never strays into another bucket. Numbers are fixed-width big-endian so that
 * LevelDB's bytewise order is numeric order (height 10 sorts after height 9).
 *
 * The bytes are part of the on-disk format: never renumber a bucket, only add new ones.
 */
export const BUCKET_PREFIX = {
  meta: 0x00,
  blocks: 0x01,
  certificates: 0x02,
  tx_index: 0x03,
  snapshots: 0x04,
  wal: 0x05,
  evidence: 0x06,
  signer: 0x07,
  pending_txs: 0x08,
} as const;

export const UINT64_BYTES = 8;
export const UINT32_BYTES = 4;
const UINT32_MAX = 0xffff_ffff;

/** Heights are safe integers (codec.MAX_HEIGHT), which fit 8 bytes; DataView writes them exactly via bigint. */
export function writeUint64(target: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new StoreArgumentError(`${value} is not a non-negative safe integer`);
  new DataView(target.buffer, target.byteOffset, target.byteLength).setBigUint64(offset, BigInt(value), false);
}

export function readUint64(source: Uint8Array, offset: number): number {
  const value = new DataView(source.buffer, source.byteOffset, source.byteLength).getBigUint64(offset, false);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`uint64 ${value} is beyond the safe integer range`);
  return Number(value);
}

export function writeUint32(target: Uint8Array, offset: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) throw new StoreArgumentError(`${value} is not a uint32`);
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(offset, value, false);
}

export function readUint32(source: Uint8Array, offset: number): number {
  return new DataView(source.buffer, source.byteOffset, source.byteLength).getUint32(offset, false);
}

/** Key bytes for errors and logs. */
export function keyToHex(key: Uint8Array): string {
  return toHex(key);
}

/** The height argument of a store method: a positive safe integer, or a caller's bug. */
export function assertHeight(height: number, what = 'height'): void {
  if (!Number.isSafeInteger(height) || height < 1) throw new StoreArgumentError(`${what} must be a positive safe integer, got ${height}`);
}

/** A count or size argument: a positive safe integer. */
export function assertPositive(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new StoreArgumentError(`${what} must be a positive safe integer, got ${value}`);
}

/** A height as an 8-byte big-endian id. */
export function encodeHeightId(height: number): Uint8Array {
  const bytes = new Uint8Array(UINT64_BYTES);
  writeUint64(bytes, 0, height);
  return bytes;
}

export function decodeHeightId(bytes: Uint8Array): number {
  if (bytes.byteLength !== UINT64_BYTES) throw new Error(`a height id is ${UINT64_BYTES} bytes, got ${bytes.byteLength}`);
  return readUint64(bytes, 0);
}
