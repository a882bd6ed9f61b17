import { sha256, toHex } from '@consortium/consensus';
import { encodeSettlementCbor } from '../encoding/cbor.js';
import type { MemberId, SettlementMember, SettlementPublicInputs, StatementState } from '../domain/types.js';
import type { SettlementTxError } from '../errors.js';
import type { RegisterAgreementBody } from '../tx/types.js';
import type { StateWrite } from './store.js';

/**
 * What a transition is given besides the state and the transaction, and what it returns. Time
 * and height come from the block header; the proof verdict from the application's verification
 * of the block's statements (outside the pure transition).
 */

export type ProofVerdict = { readonly outcome: 'valid' } | { readonly outcome: 'invalid' | 'error'; readonly detail: string };

export interface TxContext {
  readonly chainId: string;
  readonly height: number;
  /** The block header's time. */
  readonly timeMs: number;
  /** Genesis members, ordered by id. */
  readonly members: readonly SettlementMember[];
  /** For a propose_statement: the verdict on its proof; absent means not verified (refused). */
  readonly proofVerdict?: ProofVerdict;
}

/** What happened, for the tx result, telemetry and the API's event stream. */
export type SettlementEvent =
  | { readonly type: 'agreement_registered'; readonly agreementId: string; readonly members: readonly [MemberId, MemberId] }
  | { readonly type: 'batch_committed'; readonly batchId: string; readonly creditor: MemberId; readonly records: number }
  | { readonly type: 'statement_state'; readonly statementId: string; readonly state: StatementState; readonly batchId: string }
  | { readonly type: 'statement_accepted'; readonly statementId: string; readonly batchToAcceptedMs: number }
  | { readonly type: 'period_closed'; readonly period: string; readonly nettedAmount: bigint; readonly grossAmount: bigint; readonly payments: number }
  | { readonly type: 'key_epoch_registered'; readonly epoch: number; readonly activationHeight: number };

export type TxOutcome =
  | { readonly ok: true; readonly writes: readonly StateWrite[]; readonly events: readonly SettlementEvent[] }
  | { readonly ok: false; readonly error: SettlementTxError };

export const succeed = (writes: readonly StateWrite[], events: readonly SettlementEvent[] = []): TxOutcome => ({ ok: true, writes, events });

// --- identifiers ---------------------------------------------------------------------------

const STATEMENT_ID_DOMAIN = 'consortium/settlement/statement/v1';
const AGREEMENT_ID_DOMAIN = 'consortium/settlement/agreement/v1';

/**
 * A statement's id: a hash of its canonical public inputs, key epoch and circuit, never of the
 * proof. A Groth16 proof can be re-randomised into other valid bytes; an id over the proof would
 * let one statement enter the chain twice.
 */
export function statementIdOf(publicInputs: SettlementPublicInputs, epoch: number, circuit: string): Uint8Array {
  return sha256(encodeSettlementCbor([STATEMENT_ID_DOMAIN, publicInputs, epoch, circuit]));
}

export function agreementIdOf(body: RegisterAgreementBody): Uint8Array {
  return sha256(encodeSettlementCbor([AGREEMENT_ID_DOMAIN, body]));
}

export { toHex };

/** `creditor>debtor/period/firstId`: readable, and unique because batches of a pair and period never overlap. */
export function batchIdOf(creditor: MemberId, debtor: MemberId, period: string, firstId: bigint): string {
  return `${batchChainIdOf(creditor, debtor, period)}/${firstId}`;
}

export function batchChainIdOf(creditor: MemberId, debtor: MemberId, period: string): string {
  return `${creditor}>${debtor}/${period}`;
}

/** The unordered pair's id: `a|b` with a < b. */
export function pairIdOf(x: MemberId, y: MemberId): string {
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}
