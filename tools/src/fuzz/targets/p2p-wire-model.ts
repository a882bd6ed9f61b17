import { PRIVATE_HEADER_MAX_BYTES, PRIVATE_OFFER_PREFIX_BYTES, PRIVATE_STATUS } from '@consortium/p2p';

/**
 * The reference reading of a private message's bytes (libs/p2p private-exchange.ts), written
 * from the format, not from the code: what a receiving node must answer to a sender that wrote
 * `bytes` and closed its side. A frame is an unsigned LEB128 varint length (no longer than the
 * limit's own varint) and that many bytes. The offer frame holds the body's declared length
 * (4 bytes, big-endian) and the header; the body frame exactly the declared length.
 */

export type Fault = 'oversized' | 'malformed' | null;

export interface ExpectedExchange {
  /** The status frames the node writes, in order. */
  readonly statuses: readonly number[];
  /** The fault counted and scored against the sender. */
  readonly fault: Fault;
  /** What reaches the handler, or null. */
  readonly delivered: { readonly header: Uint8Array; readonly body: Uint8Array } | null;
  /** Why nothing was delivered, for the summary. */
  readonly refusal: string;
}

type Frame = { readonly kind: 'frame'; readonly payload: Uint8Array; readonly next: number } | { readonly kind: 'oversized' } | { readonly kind: 'ended' };

/** Bytes of the unsigned LEB128 varint of `value`. */
export function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = value; ; rest = Math.floor(rest / 128)) {
    if (rest < 128) return Uint8Array.from([...bytes, rest]);
    bytes.push((rest % 128) | 128);
  }
}

/** One frame at `offset` with a limit of `maxBytes` (a zero-length frame is a frame). */
function readFrame(bytes: Uint8Array, offset: number, maxBytes: number): Frame {
  const maxPrefixBytes = varint(maxBytes).byteLength;
  let length = 0;
  let scale = 1;
  for (let i = offset; i < bytes.byteLength; i++) {
    if (i - offset >= maxPrefixBytes) return { kind: 'oversized' };
    const byte = bytes[i]!;
    length += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte >= 0x80) continue;
    if (length > maxBytes) return { kind: 'oversized' };
    const end = i + 1 + length;
    return end <= bytes.byteLength ? { kind: 'frame', payload: bytes.subarray(i + 1, end), next: end } : { kind: 'ended' };
  }
  return { kind: 'ended' };
}

const refused = (statuses: readonly number[], fault: Fault, refusal: string): ExpectedExchange => ({ statuses, fault, delivered: null, refusal });

export function expectedPrivateExchange(bytes: Uint8Array, bodyMaxBytes: number): ExpectedExchange {
  const offer = readFrame(bytes, 0, PRIVATE_OFFER_PREFIX_BYTES + PRIVATE_HEADER_MAX_BYTES);
  if (offer.kind === 'oversized') return refused([], 'oversized', 'offer frame oversized (reset)');
  if (offer.kind === 'ended') return refused([], null, 'stream ended in the offer');
  if (offer.payload.byteLength < PRIVATE_OFFER_PREFIX_BYTES) return refused([PRIVATE_STATUS.malformed], 'malformed', 'offer malformed');
  const bodyBytes = new DataView(offer.payload.buffer, offer.payload.byteOffset, offer.payload.byteLength).getUint32(0);
  const header = offer.payload.subarray(PRIVATE_OFFER_PREFIX_BYTES);
  if (bodyBytes > bodyMaxBytes) return refused([PRIVATE_STATUS.too_large], 'oversized', 'declared body too large');
  if (header[0] !== 1) return refused([PRIVATE_STATUS.unauthorized], null, 'unauthorized');
  const body = readFrame(bytes, offer.next, bodyBytes);
  if (body.kind === 'oversized') return refused([PRIVATE_STATUS.ok], 'oversized', 'body frame oversized (reset)');
  if (body.kind === 'ended') return refused([PRIVATE_STATUS.ok], null, 'stream ended in the body');
  if (body.payload.byteLength !== bodyBytes) return refused([PRIVATE_STATUS.ok, PRIVATE_STATUS.malformed], 'malformed', 'body shorter than declared');
  return { statuses: [PRIVATE_STATUS.ok, PRIVATE_STATUS.ok], fault: null, delivered: { header: new Uint8Array(header), body: new Uint8Array(body.payload) }, refusal: '' };
}
