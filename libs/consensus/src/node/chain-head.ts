import type { CommitCertificate, Hash } from '../types.js';

/** What the node knows of the last committed block: all a new block must link to. */
export interface ChainHead {
  /** 0 before the first block. */
  readonly height: number;
  /** Hash of the last block, or the genesis hash at height 0. */
  readonly blockHash: Hash;
  readonly timeMs: number;
  /** Application state hash after the last block. */
  readonly appHash: Hash;
  /** Certificate of the last block; null at height 0. */
  readonly certificate: CommitCertificate | null;
}
