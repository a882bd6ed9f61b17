import type { CommittedBlock } from '../types.js';
import type { StoreBlockLimits } from './limits.js';
import type { TxLocation } from './repositories/tx-index.js';

/**
 * The node's durable chain: committed blocks with their certificates, the tx index, app
 * snapshots and the consensus WAL. LevelChainStore keeps it in LevelDB; MemoryChainStore keeps it
 * in memory for the simulator, with the same checks and errors.
 */
export interface ChainStore {
  /** Height of the last committed block; 0 when empty. Cached in memory, read synchronously. */
  latestHeight(): number;
  /**
   * Atomically (one batch, synced): the block, its certificate, every tx's index entry, the
   * latest height, and the removal of the block's txs from the pending transactions. Refuses a height that is not latestHeight()+1 (NonConsecutiveHeightError), a
   * certificate for another block (CertificateMismatchError), a block that does not link to the
   * latest one (BrokenChainLinkError), a value it could not read back (UnstorableValueError),
   * and a second call while one is in flight (CommitInProgressError).
   */
  saveCommittedBlock(committed: CommittedBlock): Promise<void>;
  /** null above latestHeight(). */
  getCommittedBlock(height: number): Promise<CommittedBlock | null>;
  /**
   * Consecutive blocks from `fromHeight`, at most maxCount and (approximately, at least one)
   * maxBytes of encoded size (block plus certificate): what block sync serves.
   */
  getCommittedBlocks(fromHeight: number, maxCount: number, maxBytes: number): Promise<CommittedBlock[]>;
  /** Where the transaction was first committed, or null. */
  findTx(txHash: Uint8Array): Promise<TxLocation | null>;
  /** Keeps equivocation evidence (opaque bytes) under its height and hash; idempotent, synced. */
  saveEvidence(height: number, hash: Uint8Array, record: Uint8Array): Promise<void>;
  /** Stored evidence, newest height first. */
  listEvidence(limit: number): Promise<{ readonly height: number; readonly record: Uint8Array }[]>;
  /** findTx for many hashes at once, in order. */
  findTxs(txHashes: readonly Uint8Array[]): Promise<(TxLocation | null)[]>;
  /** Stores the app snapshot for `height` and deletes all but the newest `snapshotsToKeep`. */
  saveAppSnapshot(height: number, snapshot: Uint8Array): Promise<void>;
  latestAppSnapshot(): Promise<{ height: number; snapshot: Uint8Array } | null>;
  /**
   * Appends an opaque WAL entry for `height`; with sync=true it is on disk when the promise
   * resolves (measured as operation "wal_sync", else "wal").
   */
  appendWal(height: number, entry: Uint8Array, sync: boolean): Promise<void>;
  /** The WAL entries of `height`, in append order. */
  readWal(height: number): Promise<Uint8Array[]>;
  /** Deletes WAL entries of every height below `belowHeight`. */
  pruneWal(belowHeight: number): Promise<void>;
  /** The consensus signer's last-signed record (opaque bytes), or null before its first signature. */
  readLastSigned(): Promise<Uint8Array | null>;
  /**
   * One synced batch (measured as "wal_sync"): a WAL entry for `height` (an own signed message)
   * and the signer's new last-signed record, which lives in its own bucket and is never pruned.
   */
  appendSignedWal(height: number, entry: Uint8Array, lastSigned: Uint8Array): Promise<void>;
  /**
   * Keeps client transactions the node is about to acknowledge (bucket pending_txs, by tx hash),
   * in one atomic batch; with sync=true they are on disk when the promise resolves (measured as
   * operation "pending_txs"). Refuses an empty transaction or one above txMaxBytes
   * (UnstorableValueError) before writing anything.
   */
  savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void>;
  /** Pending transactions in hash order, at most `maxTxs` of them and `maxBytes` together; from the hash `fromHash` on (inclusive) when given. */
  listPendingTxs(maxTxs: number, maxBytes: number, fromHash?: Uint8Array): Promise<Uint8Array[]>;
  /** Forgets pending transactions by hash (one unsynced batch: a lost delete is redone when a restart re-admits the transaction). */
  deletePendingTxs(txHashes: readonly Uint8Array[]): Promise<void>;
  /** Idempotent; every other method then throws StoreClosedError. */
  close(): Promise<void>;
}

export interface ChainStoreOptions {
  /** The chain's block limits (genesis): the store refuses to write what it could not read back. */
  readonly limits: StoreBlockLimits;
  /** App snapshots kept; older ones are deleted when a new one is saved. Default 3. */
  readonly snapshotsToKeep?: number;
  /** Default DEFAULT_SNAPSHOT_MAX_BYTES (1 GiB). */
  readonly snapshotMaxBytes?: number;
  /** Default defaultWalEntryMaxBytes(limits): a whole block with room to spare. */
  readonly walEntryMaxBytes?: number;
}

export const DEFAULT_SNAPSHOTS_TO_KEEP = 3;
