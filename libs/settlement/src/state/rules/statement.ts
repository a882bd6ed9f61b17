import type { MemberId } from '../../domain/types.js';
import {
  CircuitNotInEpochError,
  DuplicateError,
  NoAgreementInForceError,
  PeriodClosedError,
  ProofRejectedError,
  StatementMismatchError,
  StatementStateError,
  UnknownBatchError,
  UnknownKeyEpochError,
  UnknownMemberError,
  UnknownStatementError,
} from '../../errors.js';
import type { AcceptStatementBody, DisputeStatementBody, ProposeStatementBody, ResolveDisputeBody } from '../../tx/types.js';
import { batchIdOf, statementIdOf, succeed, toHex, type TxContext, type TxOutcome } from '../context.js';
import { agreementInForce, countersOf, memberByTadigField, periodFromField, periodOf, rateCommitmentOf, requireSigners } from '../lookups.js';
import type { StatementRecord } from '../records.js';
import { write, type StateReader } from '../store.js';
import { requireKeyEpochInForce } from './key-epoch.js';

/**
 * The statement workflow: proposed (creditor, with a proof) -> accepted (debtor) | disputed
 * (debtor, with a reason); disputed -> superseded by a new statement for the same batch, or
 * resolved (both parties, with the agreed total).
 */

export function proposeStatement(state: StateReader, body: ProposeStatementBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  const inputs = body.publicInputs;
  const creditor = memberByTadigField(context.members, inputs.creditor);
  if (creditor === null) throw new UnknownMemberError('body.publicInputs.creditor', inputs.creditor.toString());
  const debtor = memberByTadigField(context.members, inputs.debtor);
  if (debtor === null) throw new UnknownMemberError('body.publicInputs.debtor', inputs.debtor.toString());
  requireSigners(signers, [creditor.id], 'a statement');
  const period = periodFromField(inputs.period);
  if (period === null) throw new StatementMismatchError('period', `${inputs.period} is not a period YYYYMM`);
  if (countersOf(state).closedPeriods.includes(period)) throw new PeriodClosedError(period);

  const id = toHex(statementIdOf(inputs, body.epoch, body.circuit));
  if (state.get('statement', id) !== undefined) throw new DuplicateError(`statement ${id} (same public inputs, epoch and circuit) is already on chain; a different proof does not make another statement`);

  const epoch = state.get('keyEpoch', String(body.epoch));
  if (epoch === undefined) throw new UnknownKeyEpochError(body.epoch);
  if (!epoch.pins.some((pin) => pin.circuit === body.circuit)) throw new CircuitNotInEpochError(body.epoch, body.circuit);
  // An invalid proof is named as such (a security event), whatever else is wrong with the statement.
  const verdict = context.proofVerdict;
  if (verdict === undefined) throw new ProofRejectedError('unverified', 'the application did not verify it before the block ran');
  if (verdict.outcome !== 'valid') throw new ProofRejectedError(verdict.outcome, verdict.detail);
  requireKeyEpochInForce(state, epoch, context.height);

  const batchId = batchIdOf(creditor.id, debtor.id, period, inputs.firstId);
  const batch = state.get('batch', batchId);
  if (batch === undefined) throw new UnknownBatchError(`no committed batch ${batchId}: a statement covers exactly one committed batch`);
  if (BigInt(batch.count) !== inputs.count) throw new StatementMismatchError('count', `is ${inputs.count}, the batch holds ${batch.count} records`);
  if (batch.batchCommitment !== inputs.batchCommitment) throw new StatementMismatchError('batchCommitment', `differs from the commitment of batch ${batchId}`);

  const agreement = agreementInForce(state, creditor.id, debtor.id, period);
  if (agreement === null) throw new NoAgreementInForceError(creditor.id, debtor.id, period);
  if (rateCommitmentOf(agreement, creditor.id, debtor.id) !== inputs.rateCommitment) {
    throw new StatementMismatchError('rateCommitment', `is not the ${creditor.id} -> ${debtor.id} commitment of agreement ${agreement.id}, in force for ${period} (a superseded rate table no longer proves)`);
  }

  const liveId = batch.statementIds.at(-1);
  const live = liveId === undefined ? undefined : state.get('statement', liveId);
  if (live !== undefined && live.state !== 'disputed') throw new StatementStateError(live.id, live.state, `replaced by another statement for batch ${batchId}`);


  const record: StatementRecord = {
    id,
    batchId,
    creditor: creditor.id,
    debtor: debtor.id,
    period,
    publicInputs: inputs,
    epoch: body.epoch,
    circuit: body.circuit,
    proof: body.proof,
    state: 'proposed',
    proposedHeight: context.height,
    proposedTimeMs: context.timeMs,
    accepted: null,
    dispute: null,
    resolution: null,
    supersededBy: null,
  };
  const writes = [write('statement', id, record), write('batch', batchId, { ...batch, statementIds: [...batch.statementIds, id] })];
  const events: { type: 'statement_state'; statementId: string; state: StatementRecord['state']; batchId: string }[] = [{ type: 'statement_state', statementId: id, state: 'proposed', batchId }];
  if (live !== undefined) {
    writes.push(write('statement', live.id, { ...live, state: 'superseded', supersededBy: id }));
    events.push({ type: 'statement_state', statementId: live.id, state: 'superseded', batchId });
  }
  return succeed(writes, events);
}

function statementFor(state: StateReader, statementId: Uint8Array): StatementRecord {
  const id = toHex(statementId);
  const statement = state.get('statement', id);
  if (statement === undefined) throw new UnknownStatementError(id);
  return statement;
}

/** A statement must be in `expected` for `action`; being already in `done` is a repeat. */
function requireState(statement: StatementRecord, expected: StatementRecord['state'], done: StatementRecord['state'], action: string): void {
  if (statement.state === expected) return;
  if (statement.state === done) throw new DuplicateError(`statement ${statement.id} is already ${done}`);
  throw new StatementStateError(statement.id, statement.state, action);
}

export function acceptStatement(state: StateReader, body: AcceptStatementBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  const statement = statementFor(state, body.statementId);
  requireSigners(signers, [statement.debtor], 'an acceptance');
  requireState(statement, 'proposed', 'accepted', 'accepted');
  const batch = state.get('batch', statement.batchId)!;
  const period = periodOf(state, statement.period);
  return succeed(
    [
      write('statement', statement.id, { ...statement, state: 'accepted', accepted: { height: context.height, timeMs: context.timeMs } }),
      write('batch', batch.id, { ...batch, settledStatementId: statement.id }),
      write('period', period.period, { ...period, settledBatches: period.settledBatches + 1 }),
    ],
    [
      { type: 'statement_state', statementId: statement.id, state: 'accepted', batchId: batch.id },
      { type: 'statement_accepted', statementId: statement.id, batchToAcceptedMs: context.timeMs - batch.timeMs },
    ],
  );
}

export function disputeStatement(state: StateReader, body: DisputeStatementBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  const statement = statementFor(state, body.statementId);
  requireSigners(signers, [statement.debtor], 'a dispute');
  requireState(statement, 'proposed', 'disputed', 'disputed');
  return succeed(
    [write('statement', statement.id, { ...statement, state: 'disputed', dispute: { reasonCode: body.reasonCode, reason: body.reason, height: context.height, timeMs: context.timeMs } })],
    [{ type: 'statement_state', statementId: statement.id, state: 'disputed', batchId: statement.batchId }],
  );
}

export function resolveDispute(state: StateReader, body: ResolveDisputeBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  const statement = statementFor(state, body.statementId);
  requireSigners(signers, [statement.creditor, statement.debtor].sort(), 'a resolution');
  requireState(statement, 'disputed', 'resolved', 'resolved');
  const batch = state.get('batch', statement.batchId)!;
  const period = periodOf(state, statement.period);
  return succeed(
    [
      write('statement', statement.id, { ...statement, state: 'resolved', resolution: { agreedTotal: body.agreedTotal, height: context.height, timeMs: context.timeMs } }),
      write('batch', batch.id, { ...batch, settledStatementId: statement.id }),
      write('period', period.period, { ...period, settledBatches: period.settledBatches + 1 }),
    ],
    [{ type: 'statement_state', statementId: statement.id, state: 'resolved', batchId: batch.id }],
  );
}
