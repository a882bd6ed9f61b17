import type { CircuitPins, DirectedRateCommitment, DisputeReasonCode, Groth16Proof, MemberId, Period, SettlementPublicInputs } from '../domain/types.js';

/**
 * The settlement transactions: one tagged union of bodies, each carried in an envelope with the
 * signatures its rules require. Field names are the CBOR map keys (the canonical encoding of a
 * body is the body itself), so what is validated, signed and hashed is exactly what travels.
 */

export interface RegisterAgreementBody {
  readonly type: 'register_agreement';
  /** The two parties, in ascending order (one form per pair). */
  readonly members: readonly [MemberId, MemberId];
  readonly fromPeriod: Period;
  readonly toPeriod: Period;
  /** One per direction, ordered by creditor: the circuit binds (creditor, debtor) into the commitment. */
  readonly rateCommitments: readonly [DirectedRateCommitment, DirectedRateCommitment];
}

export interface CommitUsageBatchBody {
  readonly type: 'commit_usage_batch';
  /** The visited operator, who bills. */
  readonly creditor: MemberId;
  /** The home operator, who pays. */
  readonly debtor: MemberId;
  readonly period: Period;
  /** Record ids firstId .. firstId + count - 1 (positional, circuit v2). */
  readonly firstId: bigint;
  readonly count: number;
  /** The circuit's batch commitment (a field element). */
  readonly batchCommitment: bigint;
  /** sha256 of the canonical raw records: the debtor checks what it receives against it. */
  readonly recordsDigest: Uint8Array;
  // No volume per service: with the statement's total it would give away the pair's rates (T33).
  // The parties' nodes sum the volumes from the records they hold (anomaly.ts).
}

export interface ProposeStatementBody {
  readonly type: 'propose_statement';
  /** Exactly the circuit's public inputs. */
  readonly publicInputs: SettlementPublicInputs;
  readonly epoch: number;
  readonly circuit: string;
  /** snarkjs's JSON form. Not part of the statement's id (proofs can be re-randomised). */
  readonly proof: Groth16Proof;
}

export interface AcceptStatementBody {
  readonly type: 'accept_statement';
  readonly statementId: Uint8Array;
}

export interface DisputeStatementBody {
  readonly type: 'dispute_statement';
  readonly statementId: Uint8Array;
  readonly reasonCode: DisputeReasonCode;
  readonly reason: string;
}

export interface ResolveDisputeBody {
  readonly type: 'resolve_dispute';
  readonly statementId: Uint8Array;
  /** The total both parties agreed, in minor units: it replaces the proven total in netting. */
  readonly agreedTotal: bigint;
}

export interface ClosePeriodBody {
  readonly type: 'close_period';
  readonly period: Period;
}

export interface RegisterKeyEpochBody {
  readonly type: 'register_key_epoch';
  readonly epoch: number;
  /**
   * The first height whose blocks take proofs under this epoch. It lies ahead of the block that
   * registers the epoch, so every node holds the keys before the switch; proofs under the epoch
   * before it are taken for KEY_EPOCH_GRACE_BLOCKS more (those in flight at the switch).
   */
  readonly activationHeight: number;
  /** Ordered by circuit name. */
  readonly pins: readonly CircuitPins[];
  /**
   * Each pinned circuit's verification key, in the order of `pins`: the exact bytes of its
   * `.vkey.json` file (sha256 = the pin's vkey). Every node, also one that joins years later,
   * verifies this epoch's proofs from the chain alone; a missing file could not fork a node.
   */
  readonly verificationKeys: readonly Uint8Array[];
}

export type SettlementTxBody =
  | RegisterAgreementBody
  | CommitUsageBatchBody
  | ProposeStatementBody
  | AcceptStatementBody
  | DisputeStatementBody
  | ResolveDisputeBody
  | ClosePeriodBody
  | RegisterKeyEpochBody;

export type SettlementTxType = SettlementTxBody['type'];

export const SETTLEMENT_TX_TYPES = [
  'register_agreement',
  'commit_usage_batch',
  'propose_statement',
  'accept_statement',
  'dispute_statement',
  'resolve_dispute',
  'close_period',
  'register_key_epoch',
] as const satisfies readonly SettlementTxType[];

export interface TxSignature {
  readonly member: MemberId;
  /** ed25519 over txSigningHash(chainId, body). */
  readonly signature: Uint8Array;
}

export interface SettlementTx {
  readonly body: SettlementTxBody;
  /** Ordered by member id, one per member. */
  readonly signatures: readonly TxSignature[];
}
