/**
 * Helpers shared by the inbound handlers of the request protocols and the private exchange:
 * read-buffer sizing, the deadline a responder's handler runs under, and how a failed read is
 * told apart from an ordinary end of stream.
 */
import type { Stream } from '@libp2p/interface';
import { InvalidDataLengthLengthError } from '@libp2p/utils';

/** Frames a reader buffers ahead of its consumer: two maximal frames, then the stream is aborted. */
export const readBufferBytes = (frameMaxBytes: number): number => 2 * frameMaxBytes + 64 * 1024;

/** How an application handler run for a remote member ended. */
export type HandlerRun<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'timed_out' }
  | { readonly kind: 'abandoned' };

/**
 * Runs `handler` until it settles, `timeoutMs` passes, or the remote gives up (the stream
 * closes), whichever comes first: a handler that never answers holds nothing but its own
 * promise. A handler that throws synchronously counts as failed.
 */
export async function runWithinDeadline<T>(stream: Stream, timeoutMs: number, handler: () => T | Promise<T>): Promise<HandlerRun<T>> {
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const stopped = new Promise<HandlerRun<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed_out' }), timeoutMs);
    onClose = () => resolve({ kind: 'abandoned' });
    stream.addEventListener('close', onClose);
  });
  const answered = Promise.resolve()
    .then(handler)
    .then(
      (value): HandlerRun<T> => ({ kind: 'done', value }),
      (error: unknown): HandlerRun<T> => ({ kind: 'failed', error }),
    );
  try {
    return await Promise.race([answered, stopped]);
  } finally {
    clearTimeout(timer);
    if (onClose !== undefined) stream.removeEventListener('close', onClose);
  }
}

/** A length prefix over the reader's limit (libp2p's lpStream refuses it before reading the frame). */
export function isOversizedFrame(err: unknown): boolean {
  return err instanceof Error && (err.name === 'InvalidDataLengthError' || err.name === 'InvalidDataLengthLengthError');
}

/**
 * The length-prefix decoder every reader of a member's frames passes to lpStream. lpStream
 * reads a prefix one byte at a time and reads on while its decoder says the varint is not
 * complete (a RangeError), checking the prefix's length only once it decodes. Its default
 * decoder (uint8-varint) throws that RangeError for every varint longer than 8 bytes, complete
 * or not, so a member that sends continuation bytes (0x80 0x80 ...) was never refused: read a
 * byte at a time, buffered, uncounted, and on a message stream (no read timeout) for as long as
 * the member liked. This one refuses a prefix longer than `maxDataLength` needs, as
 * InvalidDataLengthLengthError (an oversized frame, scored).
 */
/** What lpStream hands a length decoder: its prefix buffer (a Uint8ArrayList) or bytes. */
type PrefixBytes = Uint8Array | { readonly byteLength: number; get(index: number): number };

export function boundedLengthDecoder(maxDataLength: number): (buffer: PrefixBytes) => number {
  let maxPrefixBytes = 1;
  for (let rest = maxDataLength; rest >= 128; rest = Math.floor(rest / 128)) maxPrefixBytes += 1;
  return (buffer) => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < buffer.byteLength; i++) {
      if (i >= maxPrefixBytes) throw new InvalidDataLengthLengthError(`length prefix longer than ${maxPrefixBytes} bytes`);
      const byte = buffer instanceof Uint8Array ? buffer[i]! : buffer.get(i);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    // lpStream reads the next byte and asks again
    throw new RangeError('length prefix not complete');
  };
}
