import type { ConsensusMetrics, Logger } from '@consortium/telemetry';
import { txHash } from '../block.js';
import { PendingTxsReadError } from '../errors.js';
import type { MemberId } from '../genesis/types.js';
import { MemberArrivals } from './member-arrivals.js';
import { PendingTxJournal } from './pending-tx-journal.js';
import type { AddTxOutcome, ChainStorePort, MempoolPort } from './ports.js';
import type { TxGossip } from './tx-gossip.js';

/**
 * The transactions of this node's own clients, from the acknowledgement to their block: a
 * transaction is acknowledged only once the store holds it (pending_txs), a restart admits what
 * the store kept again, and a member that connects after a transaction's gossip went out gets
 * it at the next status tick. Transactions gossiped by peers are not kept: their origin keeps
 * them. So an acknowledged transaction survives a kill -9 of its node and reaches members that
 * were down or cut off when it was gossiped (issue 11: every acknowledged transaction is
 * committed exactly once; once, because the tx index refuses a committed one).
 */

/**
 * Synced writes. tools/bench/pending-txs.bench.ts measured, on the development VM, 0.31 ms
 * (p50) for a synced batch of one 512-byte transaction against 0.04 ms unsynced, and 18,500
 * tx/s synced in batches of 100 (the chain's target is 1,800): coalesced, the fsync is cheap,
 * and it keeps an acknowledged transaction through a power loss too, not only a process crash.
 */
export const PENDING_TXS_SYNC = true;
/** One write batch: the batch endpoint's 2,000 transactions at most, and a few MiB (at least one transaction). */
export const PENDING_TXS_BATCH_MAX_TXS = 2_000;
export const PENDING_TXS_BATCH_MAX_BYTES = 8 * 1024 * 1024;

export interface ClientTxsDeps {
  readonly store: ChainStorePort;
  readonly mempool: MempoolPort;
  /** The chain's largest transaction: a page of kept ones this close to the mempool's bytes may have more after it. */
  readonly txMaxBytes: number;
  readonly gossip: TxGossip;
  readonly connectedMembers: () => readonly MemberId[];
  /** A client's transaction entered the mempool and is durable: gossip it, wake a height waiting for transactions. */
  readonly admitted: (tx: Uint8Array) => void;
  readonly metrics: ConsensusMetrics | null;
  readonly logger: Logger | null;
}

export class ClientTxs {
  private readonly journal: PendingTxJournal;
  private readonly arrivals = new MemberArrivals();
  /** Kept transactions a full mempool refused at start-up: tried again at each status tick (at most the mempool's maxTxs). */
  private deferred: readonly Uint8Array[] = [];
  private readmitting = false;
  /**
   * Where the store's kept transactions go on beyond what load() read (a page the mempool's size
   * bounds), or null when it read them all: the rest are read and admitted a page at a time at
   * the status ticks, once the page before is in.
   */
  private nextPageFrom: Uint8Array | null = null;

  constructor(private readonly deps: ClientTxsDeps) {
    this.journal = new PendingTxJournal(deps.store, {
      sync: PENDING_TXS_SYNC,
      limits: { batchMaxTxs: PENDING_TXS_BATCH_MAX_TXS, batchMaxBytes: PENDING_TXS_BATCH_MAX_BYTES },
      onDeleteFailed: (error, txs) => deps.logger?.warn({ err: error, txs }, 'could not delete pending transactions from the store (a restart deletes them)'),
    });
    // A recheck dropped them: no block will commit them, and a restart need not try again.
    deps.mempool.onLocalTxsDropped((hashes) => this.journal.forget(hashes));
  }

  /**
   * A client's transaction: `add` puts it in the mempool; if accepted, it is written to the
   * store before the accepted outcome returns (the acknowledgement). When that write fails the
   * mempool gives the transaction back and the client is refused (`unavailable`, HTTP 503):
   * no acknowledgement without a durable copy.
   */
  async admit(tx: Uint8Array, add: () => Promise<AddTxOutcome>): Promise<AddTxOutcome> {
    const outcome = await add();
    if (!outcome.accepted) return outcome;
    try {
      await this.journal.save(tx);
    } catch (error) {
      this.deps.mempool.withdraw(outcome.hash);
      this.deps.metrics?.mempoolRejectedTxsTotal.inc({ reason: 'unavailable' });
      this.deps.logger?.warn({ err: error }, 'a client transaction could not be stored: refused and taken out of the mempool');
      return { accepted: false, reason: 'unavailable', log: `the node could not store the transaction: ${error instanceof Error ? error.message : String(error)}` };
    }
    this.deps.admitted(tx);
    return outcome;
  }

  /**
   * What the store kept from earlier runs, the first page: at most what the mempool can hold
   * (count and bytes); PendingTxsReadError when it cannot be read. The store can keep more (a
   * node restarted while its clients' transactions waited for a block, then acknowledged more):
   * the rest follow a page at a time (retryDeferred). Before, they waited for the next restart,
   * which for a node that keeps running is never: the simulator found two acknowledged
   * transactions past the first 2 MiB that no block ever committed (seed 504, 4 members, every
   * fault class).
   */
  async load(): Promise<Uint8Array[]> {
    try {
      return await this.readPage(undefined);
    } catch (error) {
      throw new PendingTxsReadError({ cause: error });
    }
  }

  /** One page of kept transactions from `fromHash` on; remembers where the next one starts. */
  private async readPage(fromHash: Uint8Array | undefined): Promise<Uint8Array[]> {
    const { maxTxs, maxBytes } = this.deps.mempool;
    const page = await this.deps.store.listPendingTxs(maxTxs, maxBytes, fromHash);
    const bytes = page.reduce((total, tx) => total + tx.byteLength, 0);
    // Full by count, or too full for one more of the largest: there may be more after it.
    const mayHaveMore = page.length === maxTxs || (page.length > 0 && bytes + this.deps.txMaxBytes > maxBytes);
    this.nextPageFrom = mayHaveMore ? hashAfter(txHash(page.at(-1)!)) : null;
    return page;
  }

  /**
   * Admits `txs` (from load()) again as this node's clients' transactions: accepted ones are
   * gossiped as new; those refused as committed or invalid are deleted from the store; those a
   * full mempool refused are tried again at the next status ticks; a duplicate (already in the
   * mempool) leaves the stored copy until its block.
   */
  async readmit(txs: readonly Uint8Array[]): Promise<void> {
    if (txs.length === 0) return;
    const { mempool, metrics, logger } = this.deps;
    this.readmitting = true;
    try {
      const outcomes = await Promise.all(txs.map((tx) => mempool.add(tx)));
      const forgotten: Uint8Array[] = [];
      const deferred: Uint8Array[] = [];
      let readmitted = 0;
      outcomes.forEach((outcome, i) => {
        const tx = txs[i]!;
        if (outcome.accepted) {
          readmitted += 1;
          this.deps.admitted(tx);
        } else if (outcome.reason === 'committed' || outcome.reason === 'invalid' || outcome.reason === 'oversized') {
          forgotten.push(txHash(tx));
        } else if (outcome.reason === 'full') {
          deferred.push(tx);
        }
      });
      this.journal.forget(forgotten);
      this.deferred = deferred;
      metrics?.pendingTxsReadmittedTotal.inc(readmitted);
      if (readmitted > 0 || forgotten.length > 0) {
        logger?.info({ kept: txs.length, readmitted, forgotten: forgotten.length, deferred: deferred.length }, `re-admitted ${readmitted} acknowledged transactions the store kept`);
      }
    } finally {
      this.readmitting = false;
    }
  }

  /**
   * At each status tick: kept transactions a full mempool refused are tried again, one attempt at
   * a time; once none wait, the next page of kept transactions is read and admitted.
   */
  retryDeferred(): void {
    if (this.readmitting) return;
    const failed = (error: unknown) => this.deps.logger?.error({ err: error }, 'could not re-admit the acknowledged transactions the store kept');
    if (this.deferred.length > 0) {
      const txs = this.deferred;
      this.deferred = [];
      this.readmit(txs).catch(failed);
    } else if (this.nextPageFrom !== null) {
      this.readmitNextPage().catch(failed);
    }
  }

  private async readmitNextPage(): Promise<void> {
    this.readmitting = true;
    let page: Uint8Array[];
    try {
      // A failed read keeps the cursor: the next tick reads the page again.
      page = await this.readPage(this.nextPageFrom!);
    } finally {
      this.readmitting = false;
    }
    await this.readmit(page);
  }

  /** The members connected now get this node's gossip from here on: later arrivals are compared with them. */
  watchArrivals(): void {
    this.arrivals.reset(this.deps.connectedMembers());
  }

  /**
   * At each status tick: every member connected since the last one gets this node's clients'
   * transactions (gossiped before it was there), within the gossip byte budget. What does not
   * fit stays local and reaches a block when this node proposes. Returns the members that
   * arrived (the routine relays a stalled height to them too).
   */
  sendToArrivals(): MemberId[] {
    const arrived = this.arrivals.arrivals(this.deps.connectedMembers());
    if (arrived.length === 0) return arrived;
    const txs = this.deps.mempool.localTxs(this.deps.mempool.maxTxs);
    if (txs.length === 0) return arrived;
    for (const member of arrived) {
      const sent = this.deps.gossip.sendTo(member, txs);
      this.deps.metrics?.pendingTxsResentTotal.inc(sent);
    }
    return arrived;
  }

  /** Resolves when every store write queued so far has settled (stop waits for the acknowledgements in flight). */
  idle(): Promise<void> {
    return this.journal.idle();
  }
}

/** The smallest 32-byte hash above `hash` (big-endian), or null past the last: where the next page of kept transactions starts. */
function hashAfter(hash: Uint8Array): Uint8Array | null {
  const next = Uint8Array.from(hash);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 0xff) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return null;
}
