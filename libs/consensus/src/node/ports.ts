import type { Context } from '@opentelemetry/api';
import type { CommittedBlock } from '../types.js';

/**
 * What the driver needs of the store and the mempool. src/store and src/mempool provide the
 * implementations (LevelDB and in-memory stores, the bounded mempool).
 */

export interface ChainStorePort {
  latestHeight(): number;
  saveCommittedBlock(committed: CommittedBlock): Promise<void>;
  getCommittedBlock(height: number): Promise<CommittedBlock | null>;
  getCommittedBlocks(fromHeight: number, maxCount: number, maxBytes: number): Promise<CommittedBlock[]>;
  findTx(txHash: Uint8Array): Promise<{ height: number; index: number } | null>;
  findTxs(txHashes: readonly Uint8Array[]): Promise<({ height: number; index: number } | null)[]>;
  saveAppSnapshot(height: number, snapshot: Uint8Array): Promise<void>;
  latestAppSnapshot(): Promise<{ height: number; snapshot: Uint8Array } | null>;
  saveEvidence(height: number, hash: Uint8Array, record: Uint8Array): Promise<void>;
  appendWal(height: number, entry: Uint8Array, sync: boolean): Promise<void>;
  readWal(height: number): Promise<Uint8Array[]>;
  pruneWal(belowHeight: number): Promise<void>;
  /**
   * The signer's last-signed record (opaque, checksummed by the store), kept apart from the
   * WAL and never pruned; null before the first signature.
   */
  readLastSigned(): Promise<Uint8Array | null>;
  /** One synced, atomic write: the WAL entry of an own signed message and the new last-signed record. */
  appendSignedWal(height: number, entry: Uint8Array, lastSigned: Uint8Array): Promise<void>;
  /**
   * Client transactions about to be acknowledged, kept until a block commits them (the block's
   * own batch deletes them): one atomic batch, on disk when it resolves if `sync`.
   */
  savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void>;
  /** What savePendingTxs kept and no block committed, at most `maxTxs` and `maxBytes` (hash order), from the hash `fromHash` on when given. */
  listPendingTxs(maxTxs: number, maxBytes: number, fromHash?: Uint8Array): Promise<Uint8Array[]>;
  deletePendingTxs(txHashes: readonly Uint8Array[]): Promise<void>;
}

/**
 * `unavailable`: the mempool accepted a client's transaction but the node could not store it
 * durably, so it took it back and refuses it (nothing was acknowledged; the client may retry).
 */
export type AddTxOutcome =
  | { readonly accepted: true; readonly hash: Uint8Array }
  | { readonly accepted: false; readonly reason: 'full' | 'duplicate' | 'committed' | 'invalid' | 'oversized' | 'peer_quota' | 'unavailable'; readonly log?: string };

export interface MempoolPort {
  /** `origin.from`: the member that gossiped it (counted against its quota); absent for local clients. */
  add(tx: Uint8Array, origin?: { readonly from?: string; readonly trace?: Context }): Promise<AddTxOutcome>;
  reap(maxBytes: number, maxTxs: number): Uint8Array[];
  update(height: number, committedTxs: readonly Uint8Array[]): Promise<void>;
  admittedAtMs(txHash: Uint8Array): number | undefined;
  /** The trace context a client's tx was admitted with (its API request), or undefined. */
  traceOf(txHash: Uint8Array): Context | undefined;
  /** This node's clients' transactions (admitted with no `from`), arrival order, at most `maxTxs`. */
  localTxs(maxTxs: number): Uint8Array[];
  /** Removes a client's transaction that could not be acknowledged; false if not held as one. */
  withdraw(txHash: Uint8Array): boolean;
  /** Hears of clients' transactions dropped without a commit (a recheck found them invalid). */
  onLocalTxsDropped(listener: (txHashes: readonly Uint8Array[]) => void): void;
  readonly size: number;
  /** Transactions, and their bytes, held at most. */
  readonly maxTxs: number;
  readonly maxBytes: number;
}
