/**
 * Helpers shared by the inbound handlers of the request protocols and the private exchange:
 * read-buffer sizing, the deadline a responder's handler runs under, and how a failed read is
 * told apart from an ordinary end of stream.
 */
import type { Stream } from '@libp2p/interface';

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
