import type { Clock, TimerHandle } from './clock.js';
import { MAX_TX_BATCH } from './wire.js';

/**
 * Collects locally admitted transactions and broadcasts them in batches: one frame per
 * flush instead of one per transaction. Peers do not forward what they receive: every member
 * is connected to every other, so the admitting node's broadcast reaches all.
 */
export class TxGossip {
  private batch: Uint8Array[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly flushDelayMs: number,
    private readonly broadcast: (txs: readonly Uint8Array[]) => void,
  ) {}

  add(tx: Uint8Array): void {
    this.batch.push(tx);
    if (this.batch.length >= MAX_TX_BATCH) {
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
    this.broadcast(txs);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.batch = [];
  }
}
