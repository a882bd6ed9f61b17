import { CommanderError } from 'commander';
import {
  AttestationError,
  CeremonyAbortedError,
  CeremonyError,
  CeremonyFileError,
  ContributionRejectedError,
  NotYourTurnError,
  PlanSignatureError,
  TranscriptEntryError,
  TranscriptFileError,
} from '@consortium/ceremony';
import { SetupError } from './errors.js';
import type { Environment, Style } from './output.js';

/**
 * What the top-level catch prints for an error: what went wrong and what to do next. Pure, so
 * each case is tested; main.ts only writes the text and sets the exit code.
 */

export interface Failure {
  /** Text for stderr ('' when commander has printed its own message already). */
  readonly text: string;
  readonly exitCode: number;
}

/** File-system failures an operator can fix, by errno code. */
const FILE_SYSTEM_ADVICE: Readonly<Record<string, string>> = {
  EACCES: 'Check that you may read and write there, or choose another path.',
  EPERM: 'Check that you may read and write there, or choose another path.',
  ENOENT: 'Check the path: a file or folder it names does not exist.',
  ENOTDIR: 'Check the path: part of it is a file, not a folder.',
  EISDIR: 'The path is a folder; give a file.',
  ENOSPC: 'The disk is full: free some space and run the command again.',
  EROFS: 'The file system is read-only: choose a writable path.',
};

export function describeFailure(error: unknown, style: Style, env: Environment): Failure {
  // Usage errors and --help: commander has printed its message (and help) already.
  if (error instanceof CommanderError) return { text: '', exitCode: error.exitCode };

  if (error instanceof SetupError) return { text: explain(style, error.message, error.nextStep), exitCode: 1 };
  if (error instanceof CeremonyError) return { text: explain(style, error.message, ceremonyAdvice(error)), exitCode: 1 };

  const errno = error as NodeJS.ErrnoException;
  const advice = typeof errno?.code === 'string' ? FILE_SYSTEM_ADVICE[errno.code] : undefined;
  if (advice !== undefined) return { text: explain(style, errno.message, advice), exitCode: 1 };

  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = env.CONSORTIUM_DEBUG !== undefined && error instanceof Error && error.stack !== undefined ? `\n${style.dim(error.stack)}` : '';
  const nextStep =
    env.CONSORTIUM_DEBUG === undefined
      ? 'This is a bug in consortium-setup: run it again with CONSORTIUM_DEBUG=1 to see where it failed, and report that output.'
      : 'This is a bug in consortium-setup: please report the output above.';
  return { text: `${explain(style, `unexpected error: ${message}`, nextStep)}${stack}`, exitCode: 1 };
}

function explain(style: Style, what: string, nextStep: string): string {
  return `${style.red('✖')} ${what}\n${style.yellow('→')} ${nextStep}\n`;
}

/** What to do about a refusal of the ceremony (libs/ceremony): nothing was changed by the step that was refused. */
export function ceremonyAdvice(error: CeremonyError): string {
  if (error instanceof NotYourTurnError) return 'Nothing was changed. See whose turn it is: consortium-setup ceremony report <dir>.';
  if (error instanceof ContributionRejectedError) return `Nothing was changed. Ask ${error.member} to contribute again on the last verified file (report shows it), or, once its time limit is over, skip it.`;
  if (error instanceof CeremonyFileError) return 'Nothing was changed. Take the file the transcript names from the member who made it (report lists each by its hash), or check that the transcript is the latest.';
  if (error instanceof TranscriptEntryError || error instanceof TranscriptFileError) return 'The transcript was altered, truncated or belongs to another ceremony: take it again from the coordinator.';
  if (error instanceof PlanSignatureError) return 'Every member signs the plan first: consortium-setup ceremony sign-plan --dir <dir> --member <id> --key <file>.';
  if (error instanceof CeremonyAbortedError) return 'The plan aborts the ceremony when a member does not contribute: agree on a new plan (consortium-setup ceremony plan) and start again.';
  if (error instanceof AttestationError) return 'Collect the attestation of every member (consortium-setup ceremony attest) before using the keys.';
  return 'Nothing was changed; fix what it names and run the command again.';
}
