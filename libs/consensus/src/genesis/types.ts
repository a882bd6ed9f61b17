/** The genesis file: who the members are and the rules they agreed to. */

export type MemberId = string;

export interface GenesisMember {
  /** e.g. "T-Mobile-DE": the name used in metrics, logs and settlement. */
  readonly id: MemberId;
  readonly operator: string;
  /** GSMA TADIG code: ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1. */
  readonly tadig: string;
  /** ed25519 public key of the member's validator (consensus signatures), 32 bytes. */
  readonly publicKey: Uint8Array;
  /** libp2p peer id of the member's node (connections), e.g. 12D3KooW... */
  readonly peerId: string;
  readonly votingPower: number;
}

export interface ConsensusParams {
  /** Round r waits timeoutProposeMs + r * timeoutProposeDeltaMs for the proposal. */
  readonly timeoutProposeMs: number;
  readonly timeoutProposeDeltaMs: number;
  readonly timeoutPrevoteMs: number;
  readonly timeoutPrevoteDeltaMs: number;
  readonly timeoutPrecommitMs: number;
  readonly timeoutPrecommitDeltaMs: number;
  /** Pause after a commit before the next height starts: paces blocks and gathers late precommits. */
  readonly timeoutCommitMs: number;
  readonly blockMaxBytes: number;
  readonly blockMaxTxs: number;
  readonly txMaxBytes: number;
}

export interface Genesis {
  readonly chainId: string;
  readonly genesisTimeMs: number;
  readonly members: readonly GenesisMember[];
  readonly consensus: ConsensusParams;
  /**
   * Pinned hashes of artifacts every node must load identically (sha256, hex), by name: the
   * ZKP issue fills it with circuit and key hashes from the ceremony transcript.
   */
  readonly artifacts: Readonly<Record<string, string>>;
}

export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = {
  timeoutProposeMs: 1_000,
  timeoutProposeDeltaMs: 500,
  timeoutPrevoteMs: 500,
  timeoutPrevoteDeltaMs: 250,
  timeoutPrecommitMs: 500,
  timeoutPrecommitDeltaMs: 250,
  timeoutCommitMs: 100,
  blockMaxBytes: 4 * 1024 * 1024,
  blockMaxTxs: 10_000,
  txMaxBytes: 64 * 1024,
};
