import type { ConsensusMetrics } from '@consortium/telemetry';
import type { CheckTxResult } from '../../src/application.js';
import { toHex } from '../../src/crypto/hash.js';

/**
 * A tiny application for mempool tests: a tx is valid unless its text is in `invalid`; a gate
 * can hold every checkTx until released, to make adds race; it records every call and the
 * highest number of calls it ever saw running at once.
 */
export class FakeCheckTxApp {
  readonly calls: { readonly tx: string; readonly mode: 'new' | 'recheck' }[] = [];
  readonly invalid = new Set<string>();
  maxConcurrentCalls = 0;
  private running = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  hold(): void {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.gate = promise;
    this.openGate = resolve;
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  async checkTx(tx: Uint8Array, mode: 'new' | 'recheck'): Promise<CheckTxResult> {
    const text = new TextDecoder().decode(tx);
    this.calls.push({ tx: text, mode });
    this.running += 1;
    this.maxConcurrentCalls = Math.max(this.maxConcurrentCalls, this.running);
    try {
      // Always yield, so overlapping calls would overlap here if the mempool allowed them.
      await (this.gate ?? Promise.resolve());
      return this.invalid.has(text) ? { ok: false, code: 'bad_tx', log: `${text} refused by the test app` } : { ok: true };
    } finally {
      this.running -= 1;
    }
  }
}

/** A store stand-in: the hashes it holds are committed. */
export class FakeCommittedIndex {
  readonly committed = new Set<string>();
  lookups = 0;

  async isCommitted(hash: Uint8Array): Promise<boolean> {
    this.lookups += 1;
    return Promise.resolve(this.committed.has(toHex(hash)));
  }
}

/** The four mempool metrics, recording what they were told; the rest of ConsensusMetrics is unused here. */
export function recordingMempoolMetrics() {
  const recorded = { txs: 0, bytes: 0, localTxs: 0, rejected: {} as Record<string, number> };
  const metrics = {
    mempoolTxs: { set: (value: number) => (recorded.txs = value) },
    pendingTxs: { set: (value: number) => (recorded.localTxs = value) },
    mempoolBytes: { set: (value: number) => (recorded.bytes = value) },
    mempoolRejectedTxsTotal: { inc: (labels: { reason: string }) => (recorded.rejected[labels.reason] = (recorded.rejected[labels.reason] ?? 0) + 1) },
  } as unknown as ConsensusMetrics;
  return { metrics, recorded };
}

export const text = (value: string) => new TextEncoder().encode(value);
export const asText = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
