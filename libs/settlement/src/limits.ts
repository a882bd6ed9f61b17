import { SETTLEMENT_LIMITS } from '@consortium/circuits';

/**
 * Every bound of the settlement library, in one place: sizes are checked before decoding,
 * counts and lengths while validating. The largest legal value of each is tested.
 */
export const SETTLEMENT_LIMITS_TABLE = {
  /**
   * Largest encoded transaction. A statement (public inputs, a Groth16 proof of some 700 bytes
   * as decimal strings, one signature) is about 1.5 KiB. A key epoch is the largest kind: it
   * carries its verification keys (about 4.5 KiB each as snarkjs writes them), so
   * circuitsPerEpochMax keys of verificationKeyMaxBytes and 32 signatures stay under this.
   * Below consensus's default txMaxBytes (64 KiB).
   */
  txMaxBytes: 60 * 1024,
  /** Signatures on one envelope: every member signs a key epoch, and genesis allows 32 members. */
  signaturesMax: 32,
  /** Circuits pinned by one key epoch (the catalogue has four). */
  circuitsPerEpochMax: 8,
  /** One verification key file carried by a key epoch: 4.5 KiB for the settlement circuits (8 public signals). */
  verificationKeyMaxBytes: 6 * 1024,
  /** Blocks after a new key epoch activates during which proofs under the one before it are still taken (proofs in flight at the switch). */
  keyEpochGraceBlocks: 64,
  /** Characters of a dispute's free-text reason. */
  disputeReasonMaxLength: 512,
  /** Characters of a circuit name (as @consortium/zkp's verifier bounds it). */
  circuitNameMaxLength: 64,
  /** Characters of one decimal coordinate of a proof point (a 254-bit number has 77 digits). */
  proofCoordinateMaxLength: 80,
  /** Records in one usage batch: the largest circuit of the catalogue holds 1,433; room to grow. */
  batchRecordsMax: 65_536,
  /** Record ids lie in 0 .. 2^recordIdBits - 1 (circuit v2 range-checks them). */
  recordIdLimit: 1n << BigInt(SETTLEMENT_LIMITS.recordIdBits),
  /** Key epoch numbers. */
  keyEpochMax: 1_000_000,
  /** Largest snapshot restore() accepts. */
  snapshotMaxBytes: 1024 * 1024 * 1024,
  /** Largest stored state record (a statement with its proof is the largest, about 2 KiB; netting of 32 members some 4 KiB). */
  stateRecordMaxBytes: 1024 * 1024,
  /** Exact multilateral netting enumerates subsets of the members with a non-zero balance: 2^16 x 16 steps. */
  nettingMembersMax: 16,
} as const;
