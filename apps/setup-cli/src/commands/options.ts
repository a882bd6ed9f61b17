import { InvalidArgumentError } from 'commander';

/** Option parsers and help text shared by the commands. */

export function integerOption(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError('must be a whole number');
  return parsed;
}

/** The "Examples:" block after a command's options in --help. */
export function examples(...lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
