import { encodeKeyValueTx } from '../kv-app.js';
import type { SimRandom } from './random.js';
import type { Scheduler } from './scheduler.js';

/**
 * What clients submit: a steady honest load, and (as fault classes) bursts of large
 * transactions to one node (a client may send many at once; the node must not gossip a batch no
 * frame carries) and one flood of tiny transactions (blocks with more transactions than the WAL
 * and wire margins were sized for).
 */

export interface WorkloadOptions {
  readonly txsPerSecond: number;
  /** Bursts of large transactions during the fault phase. */
  readonly txBursts: boolean;
  /** Tiny transactions submitted at once to one node, early in the run (0: none). */
  readonly tinyTxFlood: number;
  readonly txMaxBytes: number;
}

export interface WorkloadTarget {
  /** Submits to a live node (honest nodes only when `honestOnly`); the target registers the tx as submitted. */
  submit(tx: Uint8Array, honestOnly: boolean): void;
  /** Submits many at once to one live honest node. */
  submitMany(txs: readonly Uint8Array[]): void;
  inFaultPhase(): boolean;
}

/** Bursts of BURST_MIN..BURST_MAX transactions of about txMaxBytes, every BURST_GAP_MIN..MAX ms. */
const BURST_MIN = 8;
const BURST_MAX = 400;
const BURST_GAP_MIN_MS = 300;
const BURST_GAP_MAX_MS = 1_500;

export function startWorkload(scheduler: Scheduler, random: SimRandom, options: WorkloadOptions, target: WorkloadTarget): void {
  let nonce = 0;
  const steady = () => {
    target.submit(encodeKeyValueTx({ key: `k${random.int(0, 999)}`, value: `v${random.int(0, 1_000_000)}`, nonce: nonce++ }), false);
    scheduler.schedule(Math.max(1, Math.round(1000 / options.txsPerSecond)), steady);
  };
  scheduler.schedule(10, steady);

  if (options.txBursts) {
    const value = 'b'.repeat(Math.max(1, options.txMaxBytes - 64));
    const burst = () => {
      if (!target.inFaultPhase()) return;
      const count = random.int(BURST_MIN, BURST_MAX);
      const txs = Array.from({ length: count }, () => encodeKeyValueTx({ key: `burst${random.int(0, 99)}`, value, nonce: nonce++ }));
      target.submitMany(txs);
      scheduler.schedule(random.int(BURST_GAP_MIN_MS, BURST_GAP_MAX_MS), burst);
    };
    scheduler.schedule(random.int(BURST_GAP_MIN_MS, BURST_GAP_MAX_MS), burst);
  }

  if (options.tinyTxFlood > 0) {
    scheduler.schedule(random.int(300, 1_500), () => {
      // 13 bytes each (one-byte CBOR string header in a block): the most transactions per block byte.
      const txs = Array.from({ length: options.tinyTxFlood }, () => encodeKeyValueTx({ key: 't', value: '', nonce: nonce++ }));
      target.submitMany(txs);
    });
  }
}
