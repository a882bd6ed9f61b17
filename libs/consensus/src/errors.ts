/**
 * One class per error condition (js-libp2p's pattern): callers branch on the class or on
 * `name`, never on message text. Messages say what was wrong and, where it helps, what to do.
 */

/** Base of every error a peer's bad input can cause; counted as a security event by kind. */
export abstract class InvalidInputError extends Error {
  abstract readonly kind: 'malformed' | 'oversized' | 'bad_signature' | 'replay' | 'unknown_sender';
}

export class OversizedMessageError extends InvalidInputError {
  override readonly name = 'OversizedMessageError';
  readonly kind = 'oversized' as const;
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
    what = 'message',
  ) {
    super(`${what} of ${sizeBytes} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

export class MalformedMessageError extends InvalidInputError {
  override readonly name = 'MalformedMessageError';
  readonly kind = 'malformed' as const;
}

export class InvalidSignatureError extends InvalidInputError {
  override readonly name = 'InvalidSignatureError';
  readonly kind = 'bad_signature' as const;
}

export class UnknownValidatorError extends InvalidInputError {
  override readonly name = 'UnknownValidatorError';
  readonly kind = 'unknown_sender' as const;
}

export class GenesisValidationError extends Error {
  override readonly name = 'GenesisValidationError';
  constructor(readonly problems: readonly string[]) {
    super(`genesis is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

export class InvalidCertificateError extends Error {
  override readonly name = 'InvalidCertificateError';
}

export class InvalidBlockError extends Error {
  override readonly name = 'InvalidBlockError';
}

/** A refusal to sign that would break safety (two values for one height/round/step). */
export class DoubleSignRefusedError extends Error {
  override readonly name = 'DoubleSignRefusedError';
}

export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';
}

/**
 * A proposal whose block does not hash to the proposal's block hash (header, transactions or
 * last commit changed on the way): a tampered relay. Refused before deduplication, so the genuine
 * proposal arriving later is still taken.
 */
export class BlockHashMismatchError extends InvalidInputError {
  override readonly name = 'BlockHashMismatchError';
  readonly kind = 'malformed' as const;
}

// --- fatal: consensus stops -----------------------------------------------------------------

/** Why consensus stopped; the `cause` label of consortium_consensus_fatal_errors_total. */
export type HaltReason = 'wal_replay' | 'commit' | 'persistence' | 'signer' | 'internal';

/** The WAL of the height being resumed could not be read or replayed: the node must not sign blind. */
export class WalReplayError extends Error {
  override readonly name = 'WalReplayError';
  constructor(
    readonly height: number,
    options: ErrorOptions,
  ) {
    super(`the consensus WAL of height ${height} cannot be replayed: ${describe(options.cause)}`, options);
  }
}

/** Executing or storing a decided block failed: application, store and chain head would disagree. */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError';
  constructor(
    readonly height: number,
    options: ErrorOptions,
  ) {
    super(`block ${height} was decided but could not be executed and stored: ${describe(options.cause)}`, options);
  }
}

/** A write consensus depends on (WAL, signer record, evidence) failed. */
export class PersistenceFailedError extends Error {
  override readonly name = 'PersistenceFailedError';
  constructor(
    readonly what: 'wal' | 'signature' | 'evidence',
    options: ErrorOptions,
  ) {
    super(`could not persist the ${what}: ${describe(options.cause)}`, options);
  }
}

/**
 * The client transactions the node acknowledged and no block committed yet (the store's
 * pending_txs) could not be read at start-up: starting without them would lose transactions
 * clients were told were accepted.
 */
export class PendingTxsReadError extends Error {
  override readonly name = 'PendingTxsReadError';
  constructor(options: ErrorOptions) {
    super(`the acknowledged transactions kept in the store cannot be read: ${describe(options.cause)}`, options);
  }
}

/** The signer's last-signed record cannot be read: without it the signer cannot rule out a double sign. */
export class LastSignedRecordError extends Error {
  override readonly name = 'LastSignedRecordError';
}

/**
 * Consensus stopped for good: every fatal failure reaches the node's halt listeners as this,
 * with the failure as `cause`. Nothing more is signed or sent; the operator restarts the process
 * once the cause is fixed (CometBFT halts on WAL corruption the same way).
 */
export class ConsensusHaltedError extends Error {
  override readonly name = 'ConsensusHaltedError';
  constructor(
    readonly reason: HaltReason,
    options: ErrorOptions,
  ) {
    super(`consensus halted (${reason}): ${describe(options.cause)}`, options);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
