/**
 * One class per failure the CLI can explain, each with its `name` set (callers and tests branch
 * on the class, never on message text). Every one carries `nextStep`: what the operator does
 * about it. The top-level catch (failure.ts) prints the message, then the next step.
 */
export abstract class SetupError extends Error {
  abstract override readonly name: string;
  constructor(
    message: string,
    /** What to do next, as one sentence the operator can act on. */
    readonly nextStep: string,
  ) {
    super(message);
  }
}

/** `keys` would overwrite key files: a member's identity is not replaced by accident. */
export class KeyFilesExistError extends SetupError {
  override readonly name = 'KeyFilesExistError';
  constructor(readonly files: readonly string[]) {
    super(
      `key files already exist: ${files.join(', ')}`,
      'Keep them (they are this member\'s identity), choose another --out, or pass --force to replace them; a replaced key must be re-registered in genesis.',
    );
  }
}

/** An output file (genesis.json) exists and --force was not given. */
export class OutputFileExistsError extends SetupError {
  override readonly name = 'OutputFileExistsError';
  constructor(readonly file: string) {
    super(`${file} already exists`, 'Choose another --out, or pass --force to replace it.');
  }
}

/** `devnet` or `ceremony demo` was pointed at a folder that holds something. */
export class OutputNotEmptyError extends SetupError {
  override readonly name = 'OutputNotEmptyError';
  constructor(
    readonly dir: string,
    /** What --force replaces there, for the next step. */
    forceReplaces = 'the devnet files in it (old chain data of those members is removed)',
  ) {
    super(`${dir} is not empty`, `Choose an empty or new folder for --out, or pass --force to replace ${forceReplaces}.`);
  }
}

/** A path the CLI must write to is taken by something else (a file where a folder belongs). */
export class OutputPathError extends SetupError {
  override readonly name = 'OutputPathError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`, 'Choose another --out.');
  }
}

/** `keys` for a member id the CLI does not know, without --operator and --tadig. */
export class MissingMemberDetailsError extends SetupError {
  override readonly name = 'MissingMemberDetailsError';
  constructor(
    readonly memberId: string,
    readonly missing: readonly string[],
    knownIds: readonly string[],
  ) {
    super(
      `${memberId} is not a known member, so its ${missing.join(' and ')} cannot be filled in`,
      `Give ${missing.map((option) => `--${option}`).join(' and ')}, or use a known member id (${knownIds.join(', ')}).`,
    );
  }
}

/** The public entry `keys` would print breaks a genesis rule (bad id, TADIG, voting power...). */
export class InvalidMemberEntryError extends SetupError {
  override readonly name = 'InvalidMemberEntryError';
  constructor(readonly problems: readonly string[]) {
    super(`the member entry is invalid:\n${bulletList(problems)}`, 'Fix the options named above and run the command again; no key was written.');
  }
}

/** `devnet --members` names something that is neither a count nor a list of known member ids. */
export class InvalidMemberSelectionError extends SetupError {
  override readonly name = 'InvalidMemberSelectionError';
  constructor(problem: string, knownIds: readonly string[]) {
    super(`--members: ${problem}`, `Give a count (e.g. --members 5) or a comma-separated list of ${knownIds.join(', ')} or Member-<n> (n from 9).`);
  }
}

/** A member file cannot be used: unreadable, not JSON, not an entry, or it holds a private key. */
export class MemberFileError extends SetupError {
  override readonly name = 'MemberFileError';
  constructor(
    readonly file: string,
    problem: string,
    nextStep = 'Use the public entry printed by `consortium-setup keys` (saved as <member-id>.member.json).',
  ) {
    super(`${file}: ${problem}`, nextStep);
  }
}

/** `genesis` was given no member files (or a folder without *.member.json). */
export class NoMembersError extends SetupError {
  override readonly name = 'NoMembersError';
  constructor(where: string) {
    super(`no member entries found${where}`, 'Pass --member-file <file> once per member, or --members-dir <dir> holding one <member-id>.member.json per member.');
  }
}

/** The --params file is unreadable, not JSON or not an object of consensus parameters. */
export class ParamsFileError extends SetupError {
  override readonly name = 'ParamsFileError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`, 'Give a JSON object of the consensus parameters to change, e.g. { "timeoutCommitMs": 500 }.');
  }
}

/** devnet --keys names a folder without a readable genesis-artifacts.json. */
export class KeysFolderError extends SetupError {
  override readonly name = 'KeysFolderError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`, 'Give --keys the folder `consortium-setup ceremony demo --out <dir>` wrote.');
  }
}

/** `genesis --keys` names demo keys: genesis of a real consortium must pin a ceremony's keys. */
export class DemoKeysForConsortiumError extends SetupError {
  override readonly name = 'DemoKeysForConsortiumError';
  constructor(
    readonly keysDir: string,
    reason: string,
  ) {
    super(`${keysDir}: ${reason}`, 'Pin the keys of the multi-party ceremony; demo keys are for local devnets (consortium-setup devnet --keys).');
  }
}

/**
 * `genesis --keys` names a ceremony's keys folder that is not what every member attested (T40 in
 * docs/security.md): its keys, manifest or genesis-artifacts.json differ from the transcript's
 * final files and attestations, the transcript is missing or does not check, or the ceremony's
 * members are not the genesis's.
 */
export class UnattestedCeremonyKeysError extends SetupError {
  override readonly name = 'UnattestedCeremonyKeysError';
  constructor(
    readonly keysDir: string,
    readonly transcriptFile: string,
    problem: string,
  ) {
    super(
      `${keysDir} is not the keys folder every member of the ceremony attested (transcript ${transcriptFile}): ${problem}`,
      'Do not pin these keys. Pin the keys folder the ceremony wrote and every member attested, with its transcript.json beside it (or name the transcript with --transcript); `consortium-setup ceremony verify <ceremony folder>` checks the whole ceremony and names what differs.',
    );
  }
}

/** --genesis-time is not a timestamp. */
export class InvalidGenesisTimeError extends SetupError {
  override readonly name = 'InvalidGenesisTimeError';
  constructor(value: string) {
    super(`--genesis-time: ${JSON.stringify(value)} is not a timestamp`, 'Give an ISO 8601 time such as 2025-01-31T12:00:00Z, or leave it out to use the current time.');
  }
}

/** The assembled genesis breaks the rules parseGenesis checks; each problem names its source. */
export class InvalidGenesisError extends SetupError {
  override readonly name = 'InvalidGenesisError';
  constructor(readonly problems: readonly string[]) {
    super(
      `the genesis would be invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${bulletList(problems)}`,
      'Fix each file or option named above and run the command again; nothing was written.',
    );
  }
}

/** The devnet's ports do not fit below 65536 or start among the privileged ports. */
export class PortRangeError extends SetupError {
  override readonly name = 'PortRangeError';
  constructor(problem: string) {
    super(`--base-port: ${problem}`, 'Choose a --base-port so that every p2p port (base + i) and HTTP port (base + 100 + i) lies between 1024 and 65535.');
  }
}

/** `ceremony demo --circuits` names something that is neither a circuit nor a family. */
export class InvalidCircuitSelectionError extends SetupError {
  override readonly name = 'InvalidCircuitSelectionError';
  constructor(problem: string, knownCircuits: readonly string[], families: readonly string[]) {
    super(
      `--circuits: ${problem}`,
      `Give a family (${families.join(', ')}: its production circuits) or a comma-separated list of circuit names: ${knownCircuits.join(', ')}.`,
    );
  }
}

/**
 * A ceremony step did not produce what it must: snarkjs reported an error, the verification key
 * it exported shows that phase 2 had no contribution, or the written folder does not load as a
 * node loads it.
 */
export class CeremonyStepError extends SetupError {
  override readonly name = 'CeremonyStepError';
  constructor(
    readonly step: string,
    problem: string,
    nextStep = 'Nothing was written to --out. Run the command again; if it fails the same way, run it with CONSORTIUM_DEBUG=1 and report the output.',
  ) {
    super(`${step}: ${problem}`, nextStep);
  }
}

export function bulletList(lines: readonly string[]): string {
  return lines.map((line) => `  - ${line}`).join('\n');
}

/** A ceremony command's input is not usable: a key file of another member, a plan not signed by all, a missing file. */
export class CeremonyInputError extends SetupError {
  override readonly name = 'CeremonyInputError';
}

/** `ceremony verify` found a problem: the first, named. */
export class CeremonyRefusedError extends SetupError {
  override readonly name = 'CeremonyRefusedError';
}

/** `key-epoch sign` or `assemble` cannot go on: a keys folder, genesis or signature file that does not fit. */
export class KeyEpochInputError extends SetupError {
  override readonly name = 'KeyEpochInputError';
}

/** A key in an HSM cannot be made or used: the PKCS#11 URI, the library, the token, the PIN or the label. */
export class HsmKeyError extends SetupError {
  override readonly name = 'HsmKeyError';
  constructor(message: string) {
    super(message, 'Check the PKCS#11 URI: the token label, the key label, module-path (the HSM vendor\'s PKCS#11 library) and the PIN (pin-source=file:<path>).');
  }
}

/** `devnet --keep-keys` cannot keep the members' keys: not with --force, or a member's key file is missing or not its own. */
export class KeepKeysError extends SetupError {
  override readonly name = 'KeepKeysError';
}
