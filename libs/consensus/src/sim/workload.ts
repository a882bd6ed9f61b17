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
  /** Clients fill every block with transactions of about txMaxBytes (without bursting the gossip frame). */
  readonly fullBlocks: boolean;
  readonly txMaxBytes: number;
}

export interface WorkloadTarget {
  /** Submits to a live node (honest nodes only when `honestOnly`); the target registers the tx as submitted. */
  submit(tx: Uint8Array, honestOnly: boolean): void;
  /** Submits many at once to one live honest node: any, or the one that proposes soonest. */
  submitMany(txs: readonly Uint8Array[], to: 'any' | 'next-proposer'): void;
  inFaultPhase(): boolean;
  /** The clients have fallen quiet (the empty-blocks check): the steady load stops. */
  quiet(): boolean;
}

/** Bursts of BURST_MIN..BURST_MAX transactions of about txMaxBytes, every BURST_GAP_MIN..MAX ms. */
const BURST_MIN = 8;
const BURST_MAX = 400;
const BURST_GAP_MIN_MS = 300;
const BURST_GAP_MAX_MS = 1_500;

/** Large transactions per tick: one node's gossip batch of a tick stays well under the tx frame cap. */
const FULL_BLOCK_TXS_PER_TICK = 20;
/** The key-value application refuses longer values. */
const KV_VALUE_MAX = 16 * 1024;
const FULL_BLOCK_TICK_MS = 20;

export function startWorkload(scheduler: Scheduler, random: SimRandom, options: WorkloadOptions, target: WorkloadTarget): void {
  let nonce = 0;
  const steady = () => {
    if (target.quiet()) return;
    target.submit(encodeKeyValueTx({ key: `k${random.int(0, 999)}`, value: `v${random.int(0, 1_000_000)}`, nonce: nonce++ }), false);
    scheduler.schedule(Math.max(1, Math.round(1000 / options.txsPerSecond)), steady);
  };
  scheduler.schedule(10, steady);

  if (options.txBursts) {
    const value = 'b'.repeat(Math.max(1, Math.min(options.txMaxBytes, KV_VALUE_MAX) - 64));
    const burst = () => {
      if (!target.inFaultPhase()) return;
      const count = random.int(BURST_MIN, BURST_MAX);
      const txs = Array.from({ length: count }, () => encodeKeyValueTx({ key: `burst${random.int(0, 99)}`, value, nonce: nonce++ }));
      target.submitMany(txs, 'any');
      scheduler.schedule(random.int(BURST_GAP_MIN_MS, BURST_GAP_MAX_MS), burst);
    };
    scheduler.schedule(random.int(BURST_GAP_MIN_MS, BURST_GAP_MAX_MS), burst);
  }

  if (options.fullBlocks) {
    // A few keys only: the application state (snapshotted per block) stays small.
    const value = 'L'.repeat(Math.max(1, Math.min(options.txMaxBytes, KV_VALUE_MAX) - 64));
    const load = () => {
      // During the fault phase only: what must be synced is made then; afterwards blocks are cheap.
      if (!target.inFaultPhase()) return;
      for (let i = 0; i < FULL_BLOCK_TXS_PER_TICK; i++) target.submit(encodeKeyValueTx({ key: `large${random.int(0, 7)}`, value, nonce: nonce++ }), true);
      scheduler.schedule(FULL_BLOCK_TICK_MS, load);
    };
    scheduler.schedule(10, load);
  }

  if (options.tinyTxFlood > 0) {
    scheduler.schedule(random.int(300, 1_500), () => {
      // To the node that proposes next (a client flooding the leader): it holds them all when it
      // builds its block, and gossips them (each node checks each once).
      const txs = Array.from({ length: options.tinyTxFlood }, () => tinyTx(nonce++));
      target.submitMany(txs, 'next-proposer');
    });
  }
}

/**
 * A transaction of exactly TINY_TX_BYTES. In a block each costs its bytes plus a CBOR length
 * header, 2 bytes from 24 bytes on: a block full of them is about 8 % larger encoded than its
 * transaction bytes, the most per-transaction overhead a block of a given size can carry.
 */
export const TINY_TX_BYTES = 24;

function tinyTx(nonce: number): Uint8Array {
  const bare = encodeKeyValueTx({ key: 't', value: '', nonce });
  return encodeKeyValueTx({ key: 't', value: 'x'.repeat(TINY_TX_BYTES - bare.byteLength), nonce });
}
