import { apiTokenExpiryProblem } from '@consortium/node-config';
import { InvalidArgumentError } from 'commander';

/** Option parsers and help text shared by the commands. */

export function integerOption(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError('must be a whole number');
  return parsed;
}

/** A key epoch: 1 is the epoch genesis starts with, each new ceremony makes the next. */
export function epochOption(value: string): number {
  const parsed = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a whole number from 1 (1 is the epoch genesis starts with)');
  return parsed;
}

/** A beacon value: 1 to 64 bytes as lowercase hex. */
export function hexOption(value: string): string {
  if (!/^([0-9a-f]{2}){1,64}$/.test(value)) throw new InvalidArgumentError('must be 1 to 64 bytes as lowercase hex');
  return value;
}

/**
 * When API tokens expire: an ISO 8601 time with its zone, in the future (a token that expired
 * when it was written is no use to anyone).
 */
export function tokenExpiryOption(value: string, nowMs: number = Date.now()): string {
  const problem = apiTokenExpiryProblem(value);
  if (problem !== null) throw new InvalidArgumentError(problem);
  if (Date.parse(value) <= nowMs) throw new InvalidArgumentError(`must be in the future (${value} has passed)`);
  return value;
}

/** The "Examples:" block after a command's options in --help. */
export function examples(...lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
