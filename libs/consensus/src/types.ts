import type { MemberId } from './genesis/types.js';

/** SHA-256, 32 bytes. */
export type Hash = Uint8Array;

export type VoteType = 'prevote' | 'precommit';

/** A vote for a block (by hash) or for nil (`blockHash === null`) at one height and round. */
export interface Vote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  readonly blockHash: Hash | null;
  readonly validator: MemberId;
}

export interface SignedVote extends Vote {
  readonly signature: Uint8Array;
}

/** A proposer's offer of a block for (height, round); polRound is its proof-of-lock round or -1. */
export interface Proposal {
  readonly height: number;
  readonly round: number;
  readonly polRound: number;
  readonly blockHash: Hash;
  readonly proposer: MemberId;
}

export interface SignedProposal extends Proposal {
  readonly signature: Uint8Array;
}

export interface CommitSignature {
  readonly validator: MemberId;
  readonly signature: Uint8Array;
}

/**
 * Precommits of a quorum of voting power for one block in one round: enough for anyone holding
 * the validator set to check that the block was decided.
 */
export interface CommitCertificate {
  readonly height: number;
  readonly round: number;
  readonly blockHash: Hash;
  readonly signatures: readonly CommitSignature[];
}

export interface BlockHeader {
  readonly chainId: string;
  readonly height: number;
  /** Proposer's clock when it built the block; strictly after the previous block's time. */
  readonly timeMs: number;
  readonly proposer: MemberId;
  /** Hash of the previous block's header; the genesis hash for height 1. */
  readonly previousBlockHash: Hash;
  /** Hash of `lastCommit` (the certificate of the previous block); zeros for height 1. */
  readonly lastCommitHash: Hash;
  /** Hash over the transaction hashes, in block order. */
  readonly txsHash: Hash;
  /** Application state hash after executing every block up to the previous one. */
  readonly appHash: Hash;
}

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Uint8Array[];
  /** The previous block's commit certificate (null at height 1). */
  readonly lastCommit: CommitCertificate | null;
}

/** A block with the certificate that decided it, as stored and as served by block sync. */
export interface CommittedBlock {
  readonly block: Block;
  readonly certificate: CommitCertificate;
}
