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

  /** What the store kept from earlier runs, at most what the mempool can hold (count and bytes); PendingTxsReadError when it cannot be read. */
  async load(): Promise<Uint8Array[]> {
    const { maxTxs, maxBytes } = this.deps.mempool;
    let kept: Uint8Array[];
    try {
      kept = await this.deps.store.listPendingTxs(maxTxs, maxBytes);
    } catch (error) {
      throw new PendingTxsReadError({ cause: error });
    }
    // The bucket holds about what the mempool held at most; the rest would wait for the next start.
    if (kept.length === maxTxs) this.deps.logger?.warn({ maxTxs }, 'the store keeps as many acknowledged transactions as the mempool holds: more may wait for the next restart');
    return kept;
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

  /** At each status tick: kept transactions a full mempool refused are tried again, one attempt at a time. */
  retryDeferred(): void {
    if (this.deferred.length === 0 || this.readmitting) return;
    const txs = this.deferred;
    this.deferred = [];
    this.readmit(txs).catch((error: unknown) => this.deps.logger?.error({ err: error }, 'could not re-admit the acknowledged transactions the store kept'));
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
