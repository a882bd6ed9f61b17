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
  /**
   * The application state hash after the last block is not in any block header yet: the last
   * block carried transactions that changed it (a header carries the hash before its own
   * transactions), or no block exists yet. The next block certifies it, so it is made without
   * waiting for transactions (CometBFT's needProofBlock).
   */
  readonly appHashPending: boolean;
}
