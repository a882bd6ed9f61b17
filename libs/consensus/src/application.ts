import type { Context } from '@opentelemetry/api';
import type { BlockHeader, Hash } from './types.js';

/**
 * What consensus asks of the application, in the spirit of ABCI: consensus orders opaque
 * transactions; the application decides what they mean. Consensus calls these one at a time
 * (never two concurrently), so an application needs no locking of its own.
 */

export interface CheckTxResult {
  readonly ok: boolean;
  /** A short machine-readable reason when not ok, e.g. "malformed", "bad_nonce". */
  readonly code?: string;
  readonly log?: string;
}

export interface TxResult {
  readonly ok: boolean;
  readonly code?: string;
  readonly log?: string;
}

export interface FinalizeBlockResult {
  /** Application state hash after the block; goes into the next block's header. */
  readonly appHash: Hash;
  /** One result per transaction, in block order. */
  readonly txResults: readonly TxResult[];
}

export interface AppInfo {
  /** Last height the application has committed (0 before the first block). */
  readonly lastHeight: number;
  readonly appHash: Hash;
}

export interface Application {
  info(): Promise<AppInfo>;
  /** Is this transaction worth keeping in the mempool? `recheck` after each block. */
  checkTx(tx: Uint8Array, mode: 'new' | 'recheck'): Promise<CheckTxResult>;
  /** The proposer's chance to order, drop or add transactions (within maxBytes). */
  prepareProposal(request: { readonly height: number; readonly txs: readonly Uint8Array[]; readonly maxBytes: number }): Promise<readonly Uint8Array[]>;
  /** A validator's verdict on a proposed block's transactions; false means prevote nil. */
  processProposal(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[] }): Promise<boolean>;
  /**
   * Executes a decided block; deterministic on every node. `traces`, by tx index, carries the
   * trace context of a transaction whose journey this node traces (it came through this node's
   * API): an application parents the spans of that transaction's execution on it. Tracing only:
   * it never changes a result.
   */
  finalizeBlock(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[]; readonly traces?: readonly (Context | undefined)[] }): Promise<FinalizeBlockResult>;
  /** Makes the last finalized block's state durable in the application's view. */
  commit(): Promise<void>;
  /** The full state after the last commit, for the store's per-height snapshots. */
  snapshot(): Promise<Uint8Array>;
  /** Restores the state of a snapshot taken at `height`. */
  restore(snapshot: Uint8Array, height: number): Promise<void>;
}
