/**
 * What the ceremony refuses, each a class of its own so a caller (and `ceremony verify`) can name
 * the first problem precisely. Every message says what was expected and what was found.
 */

export class CeremonyError extends Error {
  override readonly name: string = 'CeremonyError';
}

/** The plan itself is unusable (no members, a member twice, an impossible power, ...). */
export class InvalidPlanError extends CeremonyError {
  override readonly name = 'InvalidPlanError';
}

/** A member's signature over the plan is missing or does not verify. */
export class PlanSignatureError extends CeremonyError {
  override readonly name = 'PlanSignatureError';
}

/**
 * A transcript entry is refused. `index` is the entry's position in the transcript (0-based);
 * `problem` a stable code for tools and tests.
 */
export class TranscriptEntryError extends CeremonyError {
  override readonly name = 'TranscriptEntryError';

  constructor(
    readonly index: number,
    readonly problem: TranscriptProblem,
    detail: string,
  ) {
    super(`transcript entry ${index}: ${detail}`);
  }
}

export type TranscriptProblem =
  /** Bound to another ceremony's plan (a replay from elsewhere). */
  | 'wrong_ceremony'
  /** Its sequence number is not the next one (a replayed, dropped or reordered entry). */
  | 'wrong_sequence'
  /** Signed by someone not in the plan, or by a member for another. */
  | 'unknown_member'
  /** The signature does not verify with the member's key. */
  | 'bad_signature'
  /** Not the member whose turn it is in the plan's order. */
  | 'out_of_order'
  /** It did not build on the file the previous entry produced (a fork, or a skipped contributor). */
  | 'broken_chain'
  /** A skip where the plan's policy aborts, or a skip not decided by the coordinator. */
  | 'skip_not_allowed'
  /** An entry for a phase or circuit the plan does not have, or after that lane was closed. */
  | 'wrong_lane'
  /** Malformed: a field missing, of the wrong type or size. */
  | 'malformed';

/** A member's attestation of the final hashes is missing, does not verify, or covers other hashes. */
export class AttestationError extends CeremonyError {
  override readonly name = 'AttestationError';
}

/**
 * A file of the ceremony is refused: its hash is not the one the transcript names, snarkjs's
 * verification fails, or the contributions it holds are not the transcript's. `file` names it.
 */
export class CeremonyFileError extends CeremonyError {
  override readonly name = 'CeremonyFileError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Someone acted out of turn: the transcript expects another step (another member's contribution, the beacon, ...). */
export class NotYourTurnError extends CeremonyError {
  override readonly name = 'NotYourTurnError';
}

/** The plan's policy aborts the ceremony when a member does not contribute in time. */
export class CeremonyAbortedError extends CeremonyError {
  override readonly name = 'CeremonyAbortedError';
}

/** A contribution handed to the coordinator is refused: its file is missing, corrupt or not what its entry says. Nothing changes. */
export class ContributionRejectedError extends CeremonyError {
  override readonly name = 'ContributionRejectedError';
  constructor(
    readonly member: string,
    detail: string,
  ) {
    super(`${member}'s contribution is refused: ${detail}; the ceremony goes on from the last verified file`);
  }
}

/**
 * A name from a plan, a transcript or a command line that would become part of a file path in
 * the ceremony folder (a circuit's r1cs and lane folder, a member's files) is not a plain name:
 * `..`, a slash or anything else could make a step read or write outside the folder.
 */
export class UnsafeNameError extends CeremonyError {
  override readonly name = 'UnsafeNameError';
  constructor(
    /** What the name is: "circuit name", "member id". */
    readonly what: string,
    readonly value: string,
  ) {
    super(`${what} ${JSON.stringify(value)} is not a plain name (1 to 64 letters, digits, '-' or '_', starting with a letter or digit): it becomes part of file paths in the ceremony folder`);
  }
}

/**
 * A keys folder holds keys other than those every member attested (T40 in docs/security.md):
 * its proving or verification key, its keys-manifest.json or the genesis-artifacts.json genesis
 * pins differ from the attested hashes, or pin another transcript. The message says what differs.
 */
export class UnattestedKeysError extends CeremonyError {
  override readonly name = 'UnattestedKeysError';
  constructor(
    readonly keysDir: string,
    /** What differs, with both hashes. */
    readonly detail: string,
    /** What to do, for the caller's situation. */
    advice = 'Do not pin or load these keys.',
  ) {
    super(`${keysDir} does not hold the keys every member attested: ${detail}. ${advice}`);
  }
}
