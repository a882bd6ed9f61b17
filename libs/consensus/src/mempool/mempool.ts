import type { Context } from '@opentelemetry/api';
import type { ConsensusMetrics } from '@consortium/telemetry';
import type { Application } from '../application.js';
import { applicationLane } from '../application-lane.js';
import { txHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import { MempoolArgumentError, MempoolUpdateOrderError } from './errors.js';
import { RecentHashes } from './recent-hashes.js';
import { SerialQueue } from './serial-queue.js';

export type TxRejectReason = 'full' | 'duplicate' | 'committed' | 'invalid' | 'oversized' | 'peer_quota';

/** Where a transaction comes from: a peer's gossip (`from` its member id), or this node's clients. */
export interface TxOrigin {
  readonly from?: string;
  /** The trace the transaction's journey belongs to (a client's API request), kept with the entry for the commit's spans. */
  readonly trace?: Context;
}

/** Hears the hashes of clients' transactions the mempool dropped without a block committing them. */
export type LocalTxsDroppedListener = (txHashes: readonly Uint8Array[]) => void;

export type AddTxResult = { accepted: true; hash: Uint8Array } | { accepted: false; reason: TxRejectReason; log?: string };

export interface MempoolOptions {
  /** Transactions held at most, counting those still being checked. */
  readonly maxTxs: number;
  /** Bytes of transactions held at most, counting those still being checked. */
  readonly maxBytes: number;
  /** Largest transaction accepted (genesis txMaxBytes: a block may not carry larger ones). */
  readonly txMaxBytes: number;
  /** Hashes of committed txs remembered for replay refusal without a store read. Default 100,000. */
  readonly rememberedCommittedTxs?: number;
  /**
   * Re-run checkTx on the remaining txs after each block (default true). An application whose
   * checkTx does not depend on state (a tx valid once stays valid) turns it off: rechecking a
   * full pool after every block is the mempool's largest cost.
   */
  readonly recheck?: boolean;
  /**
   * Transactions one gossiping peer may have in the pool (counting those being checked), so no
   * peer can fill it for the others. Default: half of maxTxs. The node sets it from the member
   * count (twice a fair share). The node's own clients are bounded by maxTxs only.
   */
  readonly peerMaxTxs?: number;
  /** Bytes one gossiping peer may have in the pool. Default: half of maxBytes. */
  readonly peerMaxBytes?: number;
}

export interface MempoolDeps {
  readonly app: Pick<Application, 'checkTx'>;
  /** Whether the store's tx index holds this hash: the replay check for txs committed long ago. */
  isCommitted(txHash: Uint8Array): Promise<boolean>;
  readonly metrics: ConsensusMetrics | null;
  nowMs(): number;
}

export const DEFAULT_REMEMBERED_COMMITTED_TXS = 100_000;

/**
 * What one gossiping peer may hold in a pool of this size among `members` members: twice a fair
 * share (a peer whose clients are busier than the others' gets room), and at least one largest
 * transaction. The node and the simulator both size the mempool's peer quota with it.
 */
export function peerQuotaFor(pool: { readonly maxTxs: number; readonly maxBytes: number; readonly txMaxBytes: number }, members: number): { readonly peerMaxTxs: number; readonly peerMaxBytes: number } {
  const twiceFair = (total: number) => Math.max(1, Math.floor((2 * total) / Math.max(1, members)));
  return { peerMaxTxs: twiceFair(pool.maxTxs), peerMaxBytes: Math.max(pool.txMaxBytes, twiceFair(pool.maxBytes)) };
}

interface MempoolEntry {
  readonly tx: Uint8Array;
  readonly hash: Uint8Array;
  readonly admittedAtMs: number;
  /** The gossiping peer it came from; undefined for the node's own clients. */
  readonly from: string | undefined;
  readonly trace: Context | undefined;
}

/** What one peer holds in the pool, entries and adds being checked together. */
interface PeerShare {
  txs: number;
  bytes: number;
}

/**
 * Transactions waiting for a block. Bounded by count and by bytes (a full pool refuses, it
 * never evicts: a client whose tx was accepted must be able to count on it staying);
 * deduplicated by sha256, including adds still being checked; refusing replays of committed
 * txs; rechecked by the application after every block. Pure logic: the store and the
 * application come in as dependencies, and only promise microtasks are used.
 */
export class Mempool {
  /** Insertion order is admission order, which the serial queue makes arrival order. */
  private readonly entries = new Map<string, MempoolEntry>();
  private entriesBytes = 0;
  /** Adds past the cheap checks and not yet decided: they hold their place in the limits. */
  private readonly pending = new Set<string>();
  private pendingBytes = 0;
  private readonly recentlyCommitted: RecentHashes;
  private readonly appCalls = new SerialQueue();
  private readonly peerShares = new Map<string, PeerShare>();
  /** Entries of this node's own clients (no `from`). */
  private localCount = 0;
  private readonly localDroppedListeners: LocalTxsDroppedListener[] = [];
  private readonly peerMaxTxs: number;
  private readonly peerMaxBytes: number;
  private lastUpdateHeight = 0;

  constructor(
    private readonly options: MempoolOptions,
    private readonly deps: MempoolDeps,
  ) {
    assertCount(options.maxTxs, 'maxTxs');
    assertCount(options.maxBytes, 'maxBytes');
    assertCount(options.txMaxBytes, 'txMaxBytes');
    if (options.txMaxBytes > options.maxBytes) throw new MempoolArgumentError(`txMaxBytes ${options.txMaxBytes} exceeds maxBytes ${options.maxBytes}`);
    const remembered = options.rememberedCommittedTxs ?? DEFAULT_REMEMBERED_COMMITTED_TXS;
    assertCount(remembered, 'rememberedCommittedTxs');
    this.peerMaxTxs = options.peerMaxTxs ?? Math.max(1, Math.floor(options.maxTxs / 2));
    this.peerMaxBytes = options.peerMaxBytes ?? Math.max(options.txMaxBytes, Math.floor(options.maxBytes / 2));
    assertCount(this.peerMaxTxs, 'peerMaxTxs');
    assertCount(this.peerMaxBytes, 'peerMaxBytes');
    this.recentlyCommitted = new RecentHashes(remembered);
    this.publishGauges();
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.entriesBytes;
  }

  /** Transactions the pool holds at most. */
  get maxTxs(): number {
    return this.options.maxTxs;
  }

  /** Bytes of transactions the pool holds at most. */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** What one gossiping peer may hold. */
  get peerQuota(): { readonly txs: number; readonly bytes: number } {
    return { txs: this.peerMaxTxs, bytes: this.peerMaxBytes };
  }

  /** What `from` holds now (admitted and being checked). */
  peerShare(from: string): { readonly txs: number; readonly bytes: number } {
    const share = this.peerShares.get(from);
    return { txs: share?.txs ?? 0, bytes: share?.bytes ?? 0 };
  }

  async add(tx: Uint8Array, origin: TxOrigin = {}): Promise<AddTxResult> {
    // Size first: hashing an oversized tx would let anyone make the node hash megabytes for free.
    if (tx.byteLength > this.options.txMaxBytes) return this.reject('oversized', `${tx.byteLength} bytes exceeds the limit of ${this.options.txMaxBytes}`);
    if (tx.byteLength === 0) return this.reject('invalid', 'empty transaction');
    // A copy: the caller may reuse its buffer, which must not change a tx already hashed.
    const body = tx.slice();
    const hash = txHash(body);
    const key = toHex(hash);
    if (this.entries.has(key) || this.pending.has(key)) return this.reject('duplicate');
    if (this.recentlyCommitted.has(key)) return this.reject('committed');
    if (this.entries.size + this.pending.size >= this.options.maxTxs) return this.reject('full', `${this.options.maxTxs} transactions`);
    if (this.entriesBytes + this.pendingBytes + body.byteLength > this.options.maxBytes) return this.reject('full', `${this.options.maxBytes} bytes`);
    const { from } = origin;
    if (from !== undefined && !this.takePeerShare(from, body.byteLength)) {
      return this.reject('peer_quota', `peer ${from} holds its share of the pool (${this.peerMaxTxs} transactions, ${this.peerMaxBytes} bytes)`);
    }
    this.pending.add(key);
    this.pendingBytes += body.byteLength;
    let admitted = false;
    try {
      // The store read runs concurrently with other adds; only the application is called one tx at a time.
      if (await this.deps.isCommitted(hash)) return this.reject('committed');
      const result = await this.appCalls.run(() => this.checkAndAdmit(key, hash, body, from, origin.trace));
      admitted = result.accepted;
      return result;
    } finally {
      this.pending.delete(key);
      this.pendingBytes -= body.byteLength;
      // An admitted tx keeps its share until a block (or the recheck) removes it.
      if (from !== undefined && !admitted) this.releasePeerShare(from, body.byteLength);
    }
  }

  /** Transactions in arrival order, up to the byte and count limits, without removing them. */
  reap(maxBytes: number, maxTxs: number): Uint8Array[] {
    assertLimit(maxBytes, 'maxBytes');
    assertLimit(maxTxs, 'maxTxs');
    const reaped: Uint8Array[] = [];
    let reapedBytes = 0;
    for (const entry of this.entries.values()) {
      if (reaped.length >= maxTxs) break;
      // Stop rather than skip: later txs may depend on this one (a sender's nonces), so a block
      // takes a prefix of the pool, never a selection out of order.
      if (reapedBytes + entry.tx.byteLength > maxBytes) break;
      reaped.push(entry.tx);
      reapedBytes += entry.tx.byteLength;
    }
    return reaped;
  }

  /**
   * This node's own clients' transactions (admitted with no `from`), in arrival order, at most
   * `maxTxs`: what it sends a member that connected after their gossip went out.
   */
  localTxs(maxTxs: number): Uint8Array[] {
    assertLimit(maxTxs, 'maxTxs');
    const found: Uint8Array[] = [];
    if (this.localCount === 0) return found;
    for (const entry of this.entries.values()) {
      if (found.length >= maxTxs) break;
      if (entry.from === undefined) found.push(entry.tx);
    }
    return found;
  }

  /**
   * Takes back a client's transaction the node could not acknowledge (its durable copy failed
   * to be written): the client is refused, so the pool must not keep it either. False when the
   * pool does not hold it as a client's.
   */
  withdraw(hash: Uint8Array): boolean {
    const key = toHex(hash);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.from !== undefined) return false;
    this.remove(key);
    this.publishGauges();
    return true;
  }

  /** `listener` hears of the clients' transactions a recheck dropped (no block will commit them). */
  onLocalTxsDropped(listener: LocalTxsDroppedListener): void {
    this.localDroppedListeners.push(listener);
  }

  /**
   * After a block: removes the committed txs (and remembers their hashes so they are refused
   * again even before the store is asked), then rechecks the rest with app.checkTx(tx,
   * 'recheck') and drops those that fail. The removal is done when update() returns its
   * promise; the recheck waits for checks already queued, then runs in arrival order.
   */
  async update(height: number, committedTxs: readonly Uint8Array[]): Promise<void> {
    if (!Number.isSafeInteger(height) || height <= this.lastUpdateHeight) throw new MempoolUpdateOrderError(this.lastUpdateHeight, height);
    this.lastUpdateHeight = height;
    for (const tx of committedTxs) {
      const key = toHex(txHash(tx));
      this.recentlyCommitted.add(key);
      this.remove(key);
    }
    this.publishGauges();
    if (this.options.recheck !== false) await this.appCalls.run(() => this.recheck());
  }

  has(hash: Uint8Array): boolean {
    return this.entries.has(toHex(hash));
  }

  /** When the tx entered this mempool (for the finality metric and tx spans), or undefined. */
  admittedAtMs(hash: Uint8Array): number | undefined {
    return this.entries.get(toHex(hash))?.admittedAtMs;
  }

  /** The trace context the tx was admitted with (TxOrigin.trace), or undefined. */
  traceOf(hash: Uint8Array): Context | undefined {
    return this.entries.get(toHex(hash))?.trace;
  }

  /** The part of add() that waits: run on the serial queue, one tx at a time. */
  private async checkAndAdmit(key: string, hash: Uint8Array, tx: Uint8Array, from: string | undefined, trace: Context | undefined): Promise<AddTxResult> {
    const check = await this.checkTx(tx, 'new');
    if (!check.ok) return this.reject('invalid', check.log ?? check.code);
    // A block may have committed it while it was being checked.
    if (this.recentlyCommitted.has(key)) return this.reject('committed');
    this.entries.set(key, { tx, hash, admittedAtMs: this.deps.nowMs(), from, trace });
    this.entriesBytes += tx.byteLength;
    if (from === undefined) this.localCount += 1;
    this.publishGauges();
    return { accepted: true, hash };
  }

  private async recheck(): Promise<void> {
    const droppedLocal: Uint8Array[] = [];
    // Bounded by maxTxs; entries a later update removes meanwhile are skipped.
    for (const [key, entry] of [...this.entries]) {
      if (!this.entries.has(key)) continue;
      const check = await this.checkTx(entry.tx, 'recheck');
      if (check.ok) continue;
      this.remove(key);
      if (entry.from === undefined) droppedLocal.push(entry.hash);
    }
    this.publishGauges();
    if (droppedLocal.length > 0) for (const listener of this.localDroppedListeners) listener(droppedLocal);
  }

  /**
   * Each checkTx waits its turn on the application's lane, shared with consensus, so the
   * application is never called twice at once (application.ts); between two checks of a long
   * recheck, consensus gets its turn.
   */
  private checkTx(tx: Uint8Array, mode: 'new' | 'recheck') {
    return applicationLane(this.deps.app).run(() => this.deps.app.checkTx(tx, mode));
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.entriesBytes -= entry.tx.byteLength;
    if (entry.from === undefined) this.localCount -= 1;
    else this.releasePeerShare(entry.from, entry.tx.byteLength);
  }

  private takePeerShare(from: string, bytes: number): boolean {
    const share = this.peerShares.get(from) ?? { txs: 0, bytes: 0 };
    if (share.txs + 1 > this.peerMaxTxs || share.bytes + bytes > this.peerMaxBytes) return false;
    share.txs += 1;
    share.bytes += bytes;
    this.peerShares.set(from, share);
    return true;
  }

  private releasePeerShare(from: string, bytes: number): void {
    const share = this.peerShares.get(from);
    if (share === undefined) return;
    share.txs -= 1;
    share.bytes -= bytes;
    if (share.txs <= 0) this.peerShares.delete(from);
  }

  private reject(reason: TxRejectReason, log?: string): AddTxResult {
    this.deps.metrics?.mempoolRejectedTxsTotal.inc({ reason });
    return log === undefined ? { accepted: false, reason } : { accepted: false, reason, log };
  }

  private publishGauges(): void {
    this.deps.metrics?.mempoolTxs.set(this.entries.size);
    this.deps.metrics?.mempoolBytes.set(this.entriesBytes);
    this.deps.metrics?.pendingTxs.set(this.localCount);
  }
}

function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new MempoolArgumentError(`${what} must be a positive safe integer, got ${value}`);
}

function assertLimit(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new MempoolArgumentError(`${what} must be a non-negative safe integer, got ${value}`);
}
