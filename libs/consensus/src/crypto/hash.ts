import { hash } from 'node:crypto';

export const HASH_BYTES = 32;

export function sha256(bytes: Uint8Array): Uint8Array {
  // One-shot: no Hash object per call (transaction hashes are computed by the thousand).
  return new Uint8Array(hash('sha256', bytes, 'buffer'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses lowercase or uppercase hex of an exact length in bytes; null when it is not that. */
export function fromHex(hex: string, lengthBytes: number): Uint8Array | null {
  if (hex.length !== lengthBytes * 2 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A short hash prefix for logs: enough to tell blocks apart, short enough to read. */
export function shortHex(bytes: Uint8Array | null): string {
  return bytes === null ? 'nil' : toHex(bytes).slice(0, 12);
}
