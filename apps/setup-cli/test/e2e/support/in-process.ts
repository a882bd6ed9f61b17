import type { Command } from 'commander';
import { describeFailure } from '../../../src/failure.js';
import { Style, terminalOf } from '../../../src/output.js';
import { buildProgram } from '../../../src/program.js';
import type { CliResult } from './cli.js';

/**
 * Runs consortium-setup in this process, as main.ts does (the same program, the same failure
 * text and exit code), without a process start per command: a ceremony takes dozens of them.
 * The e2e tests still run the real bin for what only a process shows.
 */
export async function runInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stream = (append: (text: string) => void) => ({ write: (text: string) => (append(text), true), isTTY: false });
  const program = buildProgram(terminalOf(stream((text) => (stdout += text)), stream((text) => (stderr += text)), { NO_COLOR: '1' }));
  const capture = (command: Command): void => {
    command.configureOutput({ writeOut: (text) => (stdout += text), writeErr: (text) => (stderr += text) });
    command.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync(['node', 'consortium-setup', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = describeFailure(error, new Style(false), {});
    return { code: failure.exitCode, stdout, stderr: stderr + failure.text };
  }
}

export async function runInProcessOk(args: readonly string[]): Promise<CliResult> {
  const result = await runInProcess(args);
  if (result.code !== 0) throw new Error(`consortium-setup ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}
