import { crc32 } from 'node:zlib';

/**
 * Opaque payloads (app snapshots, WAL entries) are stored as a CRC-32 of the payload (4 bytes,
 * big-endian) followed by the payload, like CometBFT's WAL. They are not CBOR-wrapped: the
 * canonical decoder re-encodes to prove canonical form, which would copy a snapshot of hundreds
 * of megabytes for nothing, while what opaque bytes need is detection of a damaged disk, and
 * LevelDB does not verify its own block checksums on reads by default.
 */

export const CHECKSUM_BYTES = 4;

export function frameWithChecksum(payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(CHECKSUM_BYTES + payload.byteLength);
  new DataView(framed.buffer).setUint32(0, crc32(payload), false);
  framed.set(payload, CHECKSUM_BYTES);
  return framed;
}

/** The payload of a framed value; throws (for the repository to name the key) when damaged. */
export function unframeWithChecksum(framed: Uint8Array, maxPayloadBytes: number): Uint8Array {
  if (framed.byteLength < CHECKSUM_BYTES) throw new Error(`value of ${framed.byteLength} bytes is shorter than its checksum`);
  const payloadBytes = framed.byteLength - CHECKSUM_BYTES;
  if (payloadBytes > maxPayloadBytes) throw new Error(`payload of ${payloadBytes} bytes exceeds the limit of ${maxPayloadBytes} bytes`);
  const expected = new DataView(framed.buffer, framed.byteOffset, framed.byteLength).getUint32(0, false);
  const payload = framed.subarray(CHECKSUM_BYTES);
  const actual = crc32(payload);
  if (actual !== expected) throw new Error(`checksum mismatch: stored ${expected.toString(16)}, computed ${actual.toString(16)}`);
  return payload;
}
