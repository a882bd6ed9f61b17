/**
 * One class per reason a settlement transaction is refused (js-libp2p's pattern): callers branch
 * on the class or `name`, never on message text. `code` is the TxResult code consensus records
 * and the API returns; `kind` is the label of consortium_security_invalid_messages_total the
 * refusal counts under (every refusal is a security event).
 */

import { describeValue } from '@consortium/consensus';

export type SecurityKind = 'malformed' | 'oversized' | 'bad_signature' | 'invalid_proof' | 'replay' | 'unknown_sender' | 'invalid_tx';

export abstract class SettlementTxError extends Error {
  abstract readonly code: string;
  abstract readonly kind: SecurityKind;
}

// --- bytes and fields --------------------------------------------------------------------

export class OversizedTxError extends SettlementTxError {
  override readonly name = 'OversizedTxError';
  readonly code = 'oversized';
  readonly kind = 'oversized' as const;
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`settlement transaction of ${sizeBytes} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** Not canonical CBOR at all (or a second encoding of a value). */
export class MalformedTxError extends SettlementTxError {
  override readonly name = 'MalformedTxError';
  readonly code = 'malformed';
  readonly kind = 'malformed' as const;
}

/** The envelope's `body.type` is not a settlement transaction kind. */
export class UnknownTxTypeError extends SettlementTxError {
  override readonly name = 'UnknownTxTypeError';
  readonly code = 'unknown_type';
  readonly kind = 'malformed' as const;
  constructor(readonly type: unknown) {
    super(`body.type ${describeValue(type)} is not a settlement transaction type`);
  }
}

/** One field is missing, of the wrong type or out of range; `field` is its path, e.g. `body.volumes.sms`. */
export class InvalidTxFieldError extends SettlementTxError {
  override readonly name = 'InvalidTxFieldError';
  readonly code = 'invalid_field';
  readonly kind = 'malformed' as const;
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

// --- signatures --------------------------------------------------------------------------

/** A signature names a member genesis does not list, or a body names an unknown member or TADIG. */
export class UnknownMemberError extends SettlementTxError {
  override readonly name = 'UnknownMemberError';
  readonly code = 'unknown_member';
  readonly kind = 'unknown_sender' as const;
  constructor(
    readonly field: string,
    readonly member: string,
  ) {
    super(`${field}: ${JSON.stringify(member)} is not a member of the consortium`);
  }
}

export class InvalidTxSignatureError extends SettlementTxError {
  override readonly name = 'InvalidTxSignatureError';
  readonly code = 'bad_signature';
  readonly kind = 'bad_signature' as const;
  constructor(readonly member: string) {
    super(`the signature of ${member} does not verify over this transaction on this chain`);
  }
}

export class MissingSignatureError extends SettlementTxError {
  override readonly name = 'MissingSignatureError';
  readonly code = 'missing_signature';
  readonly kind = 'bad_signature' as const;
  constructor(
    readonly members: readonly string[],
    what: string,
  ) {
    super(`${what} must be signed by ${members.join(', ')}`);
  }
}

export class UnexpectedSignerError extends SettlementTxError {
  override readonly name = 'UnexpectedSignerError';
  readonly code = 'unexpected_signer';
  readonly kind = 'bad_signature' as const;
  constructor(
    readonly member: string,
    what: string,
  ) {
    super(`${member} is not a signer of ${what}`);
  }
}

// --- rules of the chain ------------------------------------------------------------------

/** The transaction would repeat something the chain holds (an agreement, a statement of the same content, a second acceptance...). */
export class DuplicateError extends SettlementTxError {
  override readonly name = 'DuplicateError';
  readonly code = 'duplicate';
  readonly kind = 'replay' as const;
}

export class NoAgreementInForceError extends SettlementTxError {
  override readonly name = 'NoAgreementInForceError';
  readonly code = 'no_agreement';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly creditor: string,
    readonly debtor: string,
    readonly period: string,
  ) {
    super(`no agreement between ${creditor} and ${debtor} is in force for ${period}`);
  }
}

/** A batch's record ids do not continue its (pair, period) exactly: records would count twice (overlap, repeat) or go missing (gap). */
export class BatchRangeError extends SettlementTxError {
  override readonly name = 'BatchRangeError';
  readonly code = 'batch_range';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly problem: 'gap' | 'overlap' | 'repeat',
    readonly expectedFirstId: bigint,
    readonly firstId: bigint,
  ) {
    super(`batch range ${problem}: the next batch of this pair and period starts at record id ${expectedFirstId}, this one at ${firstId}`);
  }
}

/** A batch larger than every circuit the registered key epochs pin: no statement could ever prove it, and its period could never close. */
export class BatchExceedsCircuitsError extends SettlementTxError {
  override readonly name = 'BatchExceedsCircuitsError';
  readonly code = 'batch_too_large';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly count: number,
    readonly largestBatchSize: number,
  ) {
    super(`a batch of ${count} records is larger than the largest circuit of the registered key epochs (${largestBatchSize} records)`);
  }
}

export class UnknownBatchError extends SettlementTxError {
  override readonly name = 'UnknownBatchError';
  readonly code = 'unknown_batch';
  readonly kind = 'invalid_tx' as const;
}

/** A statement's public inputs disagree with the committed batch or the agreement in force; `field` names the input. */
export class StatementMismatchError extends SettlementTxError {
  override readonly name = 'StatementMismatchError';
  readonly code = 'statement_mismatch';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`publicInputs.${field}: ${problem}`);
  }
}

export class UnknownKeyEpochError extends SettlementTxError {
  override readonly name = 'UnknownKeyEpochError';
  readonly code = 'unknown_key_epoch';
  readonly kind = 'invalid_tx' as const;
  constructor(readonly epoch: number) {
    super(`key epoch ${epoch} is not registered`);
  }
}

export class CircuitNotInEpochError extends SettlementTxError {
  override readonly name = 'CircuitNotInEpochError';
  readonly code = 'unknown_circuit';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly epoch: number,
    readonly circuit: string,
  ) {
    super(`key epoch ${epoch} pins no circuit ${JSON.stringify(circuit)}`);
  }
}

/** Key epochs are registered in increasing order, each activating ahead of the block that registers it and after the one before. */
export class KeyEpochOrderError extends SettlementTxError {
  override readonly name = 'KeyEpochOrderError';
  readonly code = 'key_epoch_order';
  readonly kind = 'invalid_tx' as const;
}

/** A statement proved under a key epoch not in force at its block: not yet activated, or superseded longer than the grace period ago. */
export class KeyEpochNotInForceError extends SettlementTxError {
  override readonly name = 'KeyEpochNotInForceError';
  readonly code = 'key_epoch_not_in_force';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly epoch: number,
    readonly inForce: number,
    reason: string,
  ) {
    super(`key epoch ${epoch} is not in force at this height (epoch ${inForce} is): ${reason}; prove the statement again under epoch ${inForce}`);
  }
}

/** The statement's proof did not verify (or could not be checked) in the application's verification before the block ran. */
export class ProofRejectedError extends SettlementTxError {
  override readonly name = 'ProofRejectedError';
  readonly code = 'invalid_proof';
  readonly kind = 'invalid_proof' as const;
  constructor(
    readonly outcome: 'invalid' | 'error' | 'unverified',
    detail: string,
  ) {
    super(`the statement's proof is ${outcome}: ${detail}`);
  }
}

export class UnknownStatementError extends SettlementTxError {
  override readonly name = 'UnknownStatementError';
  readonly code = 'unknown_statement';
  readonly kind = 'invalid_tx' as const;
  constructor(readonly statementId: string) {
    super(`no statement ${statementId}`);
  }
}

/** The action does not apply to the statement's state (accepting a disputed statement, resolving an accepted one...). */
export class StatementStateError extends SettlementTxError {
  override readonly name = 'StatementStateError';
  readonly code = 'wrong_state';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly statementId: string,
    readonly state: string,
    readonly action: string,
  ) {
    super(`statement ${statementId} is ${state}: it cannot be ${action}`);
  }
}

export class PeriodClosedError extends SettlementTxError {
  override readonly name = 'PeriodClosedError';
  readonly code = 'period_closed';
  readonly kind = 'invalid_tx' as const;
  constructor(readonly period: string) {
    super(`period ${period} is closed`);
  }
}

/** close_period before the period is over (by the block's time): closing a future period would refuse all its usage. */
export class PeriodNotOverError extends SettlementTxError {
  override readonly name = 'PeriodNotOverError';
  readonly code = 'period_not_over';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly period: string,
    readonly endsAtMs: number,
  ) {
    super(`period ${period} is not over until ${new Date(endsAtMs).toISOString()} (block time)`);
  }
}

/** close_period while batches of the period have no settled (accepted or resolved) statement; names them. */
export class PeriodUnsettledError extends SettlementTxError {
  override readonly name = 'PeriodUnsettledError';
  readonly code = 'period_unsettled';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly period: string,
    readonly batchIds: readonly string[],
  ) {
    super(`period ${period} has ${batchIds.length} batch(es) without a settled statement: ${batchIds.slice(0, 10).join(', ')}${batchIds.length > 10 ? ', ...' : ''}`);
  }
}

/** Exact netting is exponential in the members with a non-zero balance; beyond the bound it is refused, never approximated. */
export class TooManyMembersForNettingError extends SettlementTxError {
  override readonly name = 'TooManyMembersForNettingError';
  readonly code = 'netting_too_many_members';
  readonly kind = 'invalid_tx' as const;
  constructor(
    readonly members: number,
    readonly maxMembers: number,
  ) {
    super(`exact netting handles at most ${maxMembers} members with a non-zero balance, this period has ${members}`);
  }
}

// --- the application ---------------------------------------------------------------------

/** The application's LevelDB or snapshot holds something it cannot read: fatal, the node halts. */
export class SettlementStateCorruptionError extends Error {
  override readonly name = 'SettlementStateCorruptionError';
}

/** The application was built with a configuration it cannot run (too many members for netting, a bad genesis epoch). */
export class SettlementConfigError extends Error {
  override readonly name = 'SettlementConfigError';
}
