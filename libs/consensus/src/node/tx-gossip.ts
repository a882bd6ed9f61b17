import type { MemberId } from '../genesis/types.js';
import type { Clock, TimerHandle } from './clock.js';
import { TokenBucket } from './token-bucket.js';
import { encodeTxBatch, TX_BATCH_FRAME_OVERHEAD_BYTES, txBatchEntryBytes } from './wire.js';

export interface TxGossipLimits {
  /** Transactions per frame. */
  readonly maxTxs: number;
  /** Encoded bytes per frame: what receivers accept on the tx channel (limits table). */
  readonly frameMaxBytes: number;
  /** Bytes gossiped per second at most: half of what receivers accept from one peer. */
  readonly bytesPerSecond: number;
}

/** Where gossip frames go: every connected member, or one. */
export interface TxGossipSink {
  broadcast(frame: Uint8Array): void;
  sendTo(member: MemberId, frame: Uint8Array): void;
}

/**
 * Collects locally admitted transactions and broadcasts them in batches: one frame per flush
 * instead of one per transaction. A batch is bounded by count and by encoded bytes, so however
 * large and fast clients submit, every frame fits the receivers' limit; a flush over the byte
 * budget is dropped and counted instead of sent (the transactions stay in this node's mempool
 * and reach a block when it proposes). Peers do not forward what they receive: every member is
 * connected to every other, so the admitting node's broadcast reaches all.
 */
export class TxGossip {
  private batch: Uint8Array[] = [];
  private batchBytes = TX_BATCH_FRAME_OVERHEAD_BYTES;
  private timer: TimerHandle | null = null;
  private readonly budget: TokenBucket;

  constructor(
    private readonly clock: Clock,
    private readonly flushDelayMs: number,
    private readonly limits: TxGossipLimits,
    private readonly sink: TxGossipSink,
    private readonly onDropped: (txs: number, bytes: number) => void,
  ) {
    this.budget = new TokenBucket(limits.bytesPerSecond, limits.bytesPerSecond, clock.nowMs());
  }

  add(tx: Uint8Array): void {
    const entryBytes = txBatchEntryBytes(tx);
    // Full by bytes: this transaction starts the next frame.
    if (this.batch.length > 0 && this.batchBytes + entryBytes > this.limits.frameMaxBytes) this.flush();
    this.batch.push(tx);
    this.batchBytes += entryBytes;
    if (this.batch.length >= this.limits.maxTxs || this.batchBytes >= this.limits.frameMaxBytes) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = this.clock.setTimer(this.flushDelayMs, () => this.flush());
    }
  }

  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimer(this.timer);
      this.timer = null;
    }
    if (this.batch.length === 0) return;
    const txs = this.batch;
    this.batch = [];
    this.batchBytes = TX_BATCH_FRAME_OVERHEAD_BYTES;
    const frame = encodeTxBatch(txs);
    if (!this.budget.tryTake(frame.byteLength, this.clock.nowMs())) {
      this.onDropped(txs.length, frame.byteLength);
      return;
    }
    this.sink.broadcast(frame);
  }

  /**
   * Sends `txs` to one member now, in frames within the limits, spending the same byte budget
   * as the broadcasts (what any one peer receives from this node stays within it). The frames
   * past the budget are not sent: counted as dropped (their bytes estimated, not encoded),
   * their transactions stay local. Returns how many transactions were sent.
   */
  sendTo(member: MemberId, txs: readonly Uint8Array[]): number {
    const frames = packFrames(txs, this.limits);
    let sent = 0;
    for (const [i, frameTxs] of frames.entries()) {
      const frame = encodeTxBatch(frameTxs);
      if (!this.budget.tryTake(frame.byteLength, this.clock.nowMs())) {
        const rest = frames.slice(i);
        this.onDropped(
          rest.reduce((total, dropped) => total + dropped.length, 0),
          rest.reduce((total, dropped) => total + encodedBytes(dropped), 0),
        );
        break;
      }
      this.sink.sendTo(member, frame);
      sent += frameTxs.length;
    }
    return sent;
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.batch = [];
    this.batchBytes = TX_BATCH_FRAME_OVERHEAD_BYTES;
  }
}

/** Splits `txs`, in order, into frames of at most maxTxs transactions and frameMaxBytes encoded bytes. */
function packFrames(txs: readonly Uint8Array[], limits: TxGossipLimits): Uint8Array[][] {
  const frames: Uint8Array[][] = [];
  let frame: Uint8Array[] = [];
  let frameBytes = TX_BATCH_FRAME_OVERHEAD_BYTES;
  for (const tx of txs) {
    const entryBytes = txBatchEntryBytes(tx);
    if (frame.length > 0 && (frame.length >= limits.maxTxs || frameBytes + entryBytes > limits.frameMaxBytes)) {
      frames.push(frame);
      frame = [];
      frameBytes = TX_BATCH_FRAME_OVERHEAD_BYTES;
    }
    frame.push(tx);
    frameBytes += entryBytes;
  }
  if (frame.length > 0) frames.push(frame);
  return frames;
}

function encodedBytes(txs: readonly Uint8Array[]): number {
  return txs.reduce((total, tx) => total + txBatchEntryBytes(tx), TX_BATCH_FRAME_OVERHEAD_BYTES);
}
