import type { ConsensusParams, MemberId } from '../genesis/types.js';
import type { Block, CommitCertificate, Hash, Proposal, SignedProposal, SignedVote, Vote } from '../types.js';
import type { ValidatorSet } from '../validators.js';

/** Steps of a round, in order; `commit` once the height is decided. */
export type Step = 'propose' | 'prevote' | 'precommit' | 'commit';
export type TimeoutStep = 'propose' | 'prevote' | 'precommit';

/** What a step function needs besides the state; fixed for a node's lifetime. */
export interface ConsensusContext {
  readonly chainId: string;
  /** This node's validator id. */
  readonly self: MemberId;
  readonly validators: ValidatorSet;
  readonly params: ConsensusParams;
  /**
   * Rounds ahead of the current one whose messages are kept (default MAX_FUTURE_ROUNDS);
   * messages further ahead are only noted for the round-skip rule. A WAL replay lifts the
   * window: the WAL holds only what was kept live, and a live skip on far messages (which are
   * never logged) must not leave a replayed round's messages merely noted.
   */
  readonly roundWindow?: number;
}

/**
 * What the machine would do with a peer's input, decided before the driver writes it to the
 * WAL: `record`: it keeps it (log, then apply); `note`: only its round is noted for round
 * skipping, or it is a late precommit of a decided height (apply, do not log); `ignore`: a
 * duplicate, an equivocator's value the machine does not count, another height, a stale timeout (neither).
 */
export type InputDisposition = 'record' | 'note' | 'ignore';

/** A block with its hash, computed once. */
export interface BlockValue {
  readonly block: Block;
  readonly hash: Hash;
}

export interface ReceivedProposal {
  readonly proposal: SignedProposal;
  readonly value: BlockValue;
  /** The driver's verdict on the block (header checks and the application's processProposal). */
  readonly valid: boolean;
}

/**
 * Everything received for one round of the current height. An equivocating validator may
 * have two votes (or proposals) here, one per value: each counts towards its own value only,
 * which keeps safety (quorums still intersect in a correct validator) and keeps liveness when
 * correct validators saw different halves of an equivocation.
 */
export interface RoundState {
  /** In arrival order; the first is the one this node prevotes on. */
  readonly proposals: readonly ReceivedProposal[];
  readonly prevotes: ReadonlyMap<MemberId, readonly SignedVote[]>;
  readonly precommits: ReadonlyMap<MemberId, readonly SignedVote[]>;
  /** The "for the first time" guards of the algorithm (lines 34, 36 and 47). */
  readonly prevoteTimeoutScheduled: boolean;
  readonly precommitTimeoutScheduled: boolean;
  readonly validValueUpdated: boolean;
}

export interface Decision {
  readonly round: number;
  readonly value: BlockValue;
  readonly certificate: CommitCertificate;
}

export interface ConsensusState {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly lockedValue: BlockValue | null;
  readonly lockedRound: number;
  readonly validValue: BlockValue | null;
  readonly validRound: number;
  /** Messages of rounds up to `round + MAX_FUTURE_ROUNDS`, by round. */
  readonly rounds: ReadonlyMap<number, RoundState>;
  /** For messages beyond that window: the highest round each validator has been seen in. */
  readonly farRoundOf: ReadonlyMap<MemberId, number>;
  /** As proposer: a block was requested for this round and not yet proposed. */
  readonly awaitingBlockForRound: number;
  /** Keys of equivocations already reported, so each is reported once. */
  readonly reportedEquivocations: ReadonlySet<string>;
  readonly decision: Decision | null;
}

/** Inputs of the state machine. Everything that happens to a node is one of these. */
export type ConsensusEvent =
  | { readonly kind: 'startHeight'; readonly height: number }
  | { readonly kind: 'proposal'; readonly proposal: SignedProposal; readonly block: Block; readonly blockHash: Hash; readonly valid: boolean }
  | { readonly kind: 'vote'; readonly vote: SignedVote }
  | { readonly kind: 'timeout'; readonly height: number; readonly round: number; readonly step: TimeoutStep }
  | { readonly kind: 'blockReady'; readonly height: number; readonly round: number; readonly block: Block; readonly blockHash: Hash };

export type Evidence =
  | { readonly kind: 'duplicateVote'; readonly first: SignedVote; readonly second: SignedVote }
  | { readonly kind: 'duplicateProposal'; readonly first: SignedProposal; readonly second: SignedProposal };

/** Outputs: what the driver must do. The machine itself does nothing but compute. */
export type ConsensusEffect =
  | { readonly kind: 'requestBlock'; readonly height: number; readonly round: number }
  | { readonly kind: 'propose'; readonly proposal: Proposal; readonly value: BlockValue }
  | { readonly kind: 'vote'; readonly vote: Vote }
  | { readonly kind: 'scheduleTimeout'; readonly height: number; readonly round: number; readonly step: TimeoutStep; readonly delayMs: number }
  | { readonly kind: 'decide'; readonly height: number; readonly decision: Decision }
  | { readonly kind: 'evidence'; readonly evidence: Evidence }
  | { readonly kind: 'roundStarted'; readonly height: number; readonly round: number; readonly reason: 'new_height' | 'timeout' | 'skip' }
  | { readonly kind: 'stepChanged'; readonly height: number; readonly round: number; readonly from: Step; readonly to: Step }
  | { readonly kind: 'lateVote'; readonly vote: SignedVote };

export interface StepResult {
  readonly state: ConsensusState;
  readonly effects: readonly ConsensusEffect[];
}
