/**
 * The offer frame of a private message: the body's length (4 bytes, big-endian), then the
 * application's header. The receiver decides on it before any of the body is sent, and reads
 * the body with exactly the declared length as its limit.
 */
import { PRIVATE_HEADER_MAX_BYTES, PRIVATE_OFFER_PREFIX_BYTES } from './constants.js';

/** The largest offer frame: the prefix and the largest header. */
export const PRIVATE_OFFER_MAX_BYTES = PRIVATE_OFFER_PREFIX_BYTES + PRIVATE_HEADER_MAX_BYTES;

export interface PrivateOffer {
  readonly bodyBytes: number;
  readonly header: Uint8Array;
}

/** The caller's header and body are checked before (assertPayload); the body fits 32 bits by the frame ceiling. */
export function encodeOffer(bodyBytes: number, header: Uint8Array): Uint8Array {
  const frame = new Uint8Array(PRIVATE_OFFER_PREFIX_BYTES + header.byteLength);
  new DataView(frame.buffer).setUint32(0, bodyBytes, false);
  frame.set(header, PRIVATE_OFFER_PREFIX_BYTES);
  return frame;
}

/** The offer, or null when the frame is too short to hold the length prefix (or its header too long). */
export function parseOffer(frame: Uint8Array): PrivateOffer | null {
  if (frame.byteLength < PRIVATE_OFFER_PREFIX_BYTES || frame.byteLength > PRIVATE_OFFER_MAX_BYTES) return null;
  const bodyBytes = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
  return { bodyBytes, header: frame.subarray(PRIVATE_OFFER_PREFIX_BYTES) };
}
