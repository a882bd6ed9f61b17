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
}

export type AddTxOutcome =
  | { readonly accepted: true; readonly hash: Uint8Array }
  | { readonly accepted: false; readonly reason: 'full' | 'duplicate' | 'committed' | 'invalid' | 'oversized'; readonly log?: string };

export interface MempoolPort {
  add(tx: Uint8Array): Promise<AddTxOutcome>;
  reap(maxBytes: number, maxTxs: number): Uint8Array[];
  update(height: number, committedTxs: readonly Uint8Array[]): Promise<void>;
  admittedAtMs(txHash: Uint8Array): number | undefined;
  readonly size: number;
}
