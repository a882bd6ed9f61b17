import { SettlementTxError } from '../errors.js';
import type { AuthenticatedTx } from '../tx/signing.js';
import type { TxContext, TxOutcome } from './context.js';
import { registerAgreement } from './rules/agreement.js';
import { commitUsageBatch } from './rules/batch.js';
import { registerKeyEpoch } from './rules/key-epoch.js';
import { closePeriod } from './rules/period.js';
import { acceptStatement, disputeStatement, proposeStatement, resolveDispute } from './rules/statement.js';
import { withWrites, type StateReader } from './store.js';

/**
 * The settlement state transition: a pure function of the state, an authenticated transaction
 * and the block context. It reads the state, never changes it, and returns either the records
 * to write with what happened, or the error class of the rule the transaction breaks (the state
 * is then unchanged). No I/O, no clock, no randomness: every node computes the same outcome.
 */
export function transitionWrites(state: StateReader, authenticated: AuthenticatedTx, context: TxContext): TxOutcome {
  const { tx, signers } = authenticated;
  try {
    const body = tx.body;
    switch (body.type) {
      case 'register_agreement':
        return registerAgreement(state, body, signers, context);
      case 'commit_usage_batch':
        return commitUsageBatch(state, body, signers, context);
      case 'propose_statement':
        return proposeStatement(state, body, signers, context);
      case 'accept_statement':
        return acceptStatement(state, body, signers, context);
      case 'dispute_statement':
        return disputeStatement(state, body, signers, context);
      case 'resolve_dispute':
        return resolveDispute(state, body, signers, context);
      case 'close_period':
        return closePeriod(state, body, signers, context);
      case 'register_key_epoch':
        return registerKeyEpoch(state, body, signers, context);
    }
  } catch (error) {
    if (error instanceof SettlementTxError) return { ok: false, error };
    throw error;
  }
}

/** `(state, tx, context) -> { state, result }`: the new state is the old one with the writes on top. */
export function applySettlementTx(state: StateReader, authenticated: AuthenticatedTx, context: TxContext): { readonly state: StateReader; readonly result: TxOutcome } {
  const result = transitionWrites(state, authenticated, context);
  return { state: result.ok ? withWrites(state, result.writes) : state, result };
}
