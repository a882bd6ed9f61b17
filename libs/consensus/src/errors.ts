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
