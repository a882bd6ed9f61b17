/**
 * One long-lived outbound stream per (member, protocol) with a bounded queue in front of it.
 * broadcast() and send() only enqueue (never block, never throw for a slow peer); a pump
 * writes frames in order with a timeout on every write. A member that reads too slowly fills
 * its budget and loses new frames, which are counted, instead of growing memory.
 */
import type { Stream } from '@libp2p/interface';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { SendBudget } from './limits.js';

export type DropCause = 'queue_full' | 'not_connected' | 'write_failed';

export interface OutboundChannelOptions {
  /** Opens a fresh stream on the member's connection; rejects when there is none. */
  readonly openStream: (signal: AbortSignal) => Promise<Stream>;
  /** The member's budget, shared by its channels of every protocol. */
  readonly budget: SendBudget;
  readonly writeTimeoutMs: number;
  readonly streamOpenTimeoutMs: number;
  /** A frame was handed to the muxer. */
  readonly onSent: (payloadBytes: number) => void;
  readonly onDropped: (frames: number, cause: DropCause, error: unknown) => void;
}

interface OpenStream {
  readonly stream: Stream;
  readonly lp: LengthPrefixedStream<Stream>;
  /** Frames already written on it: a used stream may have gone stale, a fresh one failing is final. */
  written: number;
}

export class OutboundChannel {
  private readonly queue: Uint8Array[] = [];
  private current: OpenStream | null = null;
  private pumping = false;
  private closed = false;

  constructor(private readonly options: OutboundChannelOptions) {}

  /** Queues one frame; false when it was dropped (budget exhausted or channel closed). */
  enqueue(payload: Uint8Array): boolean {
    if (this.closed) {
      this.options.onDropped(1, 'not_connected', null);
      return false;
    }
    if (!this.options.budget.tryReserve(payload.byteLength)) {
      this.options.onDropped(1, 'queue_full', null);
      return false;
    }
    this.queue.push(payload);
    if (!this.pumping) this.startPump();
    return true;
  }

  get queuedFrames(): number {
    return this.queue.length;
  }

  /** Drops the queue and aborts the stream (the member went away). The channel is done. */
  close(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.dropQueued('not_connected', reason);
    this.resetStream(reason);
  }

  private startPump(): void {
    this.pumping = true;
    this.pump()
      .catch((err: unknown) => {
        // pump() handles its own errors; reaching here is a bug, and the queue must not stall.
        this.dropQueued('write_failed', err);
      })
      .finally(() => {
        this.pumping = false;
        if (this.queue.length > 0 && !this.closed) this.startPump();
      });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const frame = this.queue[0];
      if (frame === undefined) return;
      const outcome = await this.write(frame);
      if (this.closed) return; // close() already dropped and released everything queued
      this.queue.shift();
      this.options.budget.release(frame.byteLength);
      if (outcome.sent) {
        this.options.onSent(frame.byteLength);
      } else if (outcome.cause === 'not_connected') {
        this.options.onDropped(1, 'not_connected', outcome.error);
        this.dropQueued('not_connected', outcome.error);
      } else {
        this.options.onDropped(1, 'write_failed', outcome.error);
      }
    }
  }

  private async write(frame: Uint8Array): Promise<{ sent: true } | { sent: false; cause: DropCause; error: unknown }> {
    // Two attempts: a stream that carried frames before may have been closed under us (idle
    // timeout, remote restart of its handler); a fresh stream that fails means the frame is lost.
    for (;;) {
      let open: OpenStream;
      try {
        open = await this.ensureStream();
      } catch (err) {
        return { sent: false, cause: 'not_connected', error: err };
      }
      try {
        await open.lp.write(frame, { signal: AbortSignal.timeout(this.options.writeTimeoutMs) });
        open.written += 1;
        return { sent: true };
      } catch (err) {
        this.resetStream(err as Error);
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        if (open.written === 0 || timedOut || this.closed) return { sent: false, cause: 'write_failed', error: err };
      }
    }
  }

  private async ensureStream(): Promise<OpenStream> {
    if (this.current !== null && this.current.stream.writeStatus === 'writable') return this.current;
    if (this.current !== null) this.resetStream(new Error('stream no longer writable'));
    const stream = await this.options.openStream(AbortSignal.timeout(this.options.streamOpenTimeoutMs));
    if (this.closed) {
      stream.abort(new Error('channel closed while its stream was opening'));
      throw new Error('channel closed');
    }
    const open: OpenStream = { stream, lp: lpStream(stream), written: 0 };
    stream.addEventListener('close', () => {
      if (this.current === open) this.current = null;
    });
    this.current = open;
    return open;
  }

  private resetStream(reason: Error): void {
    const open = this.current;
    this.current = null;
    if (open !== null && open.stream.status === 'open') open.stream.abort(reason);
  }

  private dropQueued(cause: DropCause, error: unknown): void {
    if (this.queue.length === 0) return;
    const frames = this.queue.length;
    for (const frame of this.queue) this.options.budget.release(frame.byteLength);
    this.queue.length = 0;
    this.options.onDropped(frames, cause, error);
  }
}
