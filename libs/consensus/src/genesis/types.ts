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
  /**
   * When nothing waits in the mempool, at most one empty block per this interval (CometBFT's
   * `create_empty_blocks_interval`): after a commit, round 0 of the next height starts when a
   * transaction is available or this long after the last block's time, whichever comes first.
   * 0 makes a block every `timeoutCommitMs` as before. Absent in a genesis file: the default.
   */
  readonly emptyBlocksIntervalMs: number;
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
  /**
   * The trusted setup that made the pinned keys: `demo` (one process played every party, so
   * its keys are INSECURE) or `ceremony` (the multi-party ceremony; its transcript's hash once
   * the ceremony writes one). Nodes take whether keys are insecure from here, never from the
   * keys folder, and refuse demo keys unless `network` is `devnet`.
   */
  readonly trustedSetup?: GenesisTrustedSetup;
  /** `devnet`: a local test network (`consortium-setup devnet`), the only kind that may run demo keys. Absent: a real consortium. */
  readonly network?: GenesisNetwork;
  /**
   * What the chain runs. `kv-test`: the consensus tests' key-value application, which has no
   * proofs, so its nodes may start without keys. Absent or `settlement`: proofs are verified,
   * and a node refuses to start without pinned keys.
   */
  readonly application?: GenesisApplication;
}

export const GENESIS_NETWORKS = ['devnet', 'production'] as const;
export type GenesisNetwork = (typeof GENESIS_NETWORKS)[number];
export const GENESIS_APPLICATIONS = ['kv-test', 'settlement'] as const;
export type GenesisApplication = (typeof GENESIS_APPLICATIONS)[number];
export const TRUSTED_SETUP_KINDS = ['demo', 'ceremony'] as const;

export interface GenesisTrustedSetup {
  readonly kind: (typeof TRUSTED_SETUP_KINDS)[number];
  /** sha256 (hex) of the ceremony transcript; null for a demo and until the multi-party ceremony writes transcripts. */
  readonly transcriptSha256: string | null;
}

export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = {
  timeoutProposeMs: 1_000,
  timeoutProposeDeltaMs: 500,
  timeoutPrevoteMs: 500,
  timeoutPrevoteDeltaMs: 250,
  timeoutPrecommitMs: 500,
  timeoutPrecommitDeltaMs: 250,
  timeoutCommitMs: 100,
  emptyBlocksIntervalMs: 30_000,
  blockMaxBytes: 4 * 1024 * 1024,
  blockMaxTxs: 10_000,
  txMaxBytes: 64 * 1024,
};
