import type { Groth16Proof, SettlementPublicInputs, SettlementService } from '@consortium/zkp';

/**
 * The roaming domain as the chain holds it. Money is bigint minor units (never a float);
 * volumes are bigint charging units; field elements (commitments) are bigints below the BN254
 * scalar field modulus. Nothing on chain holds a record, a rate or a volume: those stay with the
 * two parties.
 */

export type MemberId = string;
/** A settlement period, "YYYY-MM". */
export type Period = string;
export type { SettlementService, SettlementPublicInputs, Groth16Proof };

/** A member as settlement needs it (from genesis): who signs, and the TADIG the circuit binds. */
export interface SettlementMember {
  readonly id: MemberId;
  readonly tadig: string;
  /** ed25519 public key (32 bytes): the member's validator key signs its settlement transactions too. */
  readonly publicKey: Uint8Array;
}

/**
 * Charging units per service (seconds of voice, messages, megabytes): the sum over a batch's
 * records. The two parties' own figure (their anomaly detection), never on chain: with the
 * statements' totals it would give away the rates (T33).
 */
export type ServiceVolumes = Readonly<Record<SettlementService, bigint>>;

/** The rate commitment of one direction of an agreement: the creditor bills the debtor at these rates. */
export interface DirectedRateCommitment {
  readonly creditor: MemberId;
  readonly debtor: MemberId;
  readonly commitment: bigint;
}

export const DISPUTE_REASON_CODES = ['missing_records', 'duplicate_records', 'wrong_rates', 'volume_mismatch', 'late_submission', 'other'] as const;
export type DisputeReasonCode = (typeof DISPUTE_REASON_CODES)[number];

/** sha256 of a circuit's files, as the key epoch pins them. */
export interface CircuitPins {
  readonly circuit: string;
  readonly zkey: Uint8Array;
  readonly wasm: Uint8Array;
  readonly vkey: Uint8Array;
}

export const STATEMENT_STATES = ['proposed', 'accepted', 'disputed', 'superseded', 'resolved'] as const;
export type StatementState = (typeof STATEMENT_STATES)[number];
