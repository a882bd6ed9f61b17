import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Runs the real CLI as a child process, the way an operator does: `node --import tsx src/main.ts`
 * under the Node.js that runs the tests (24, from node_modules), stdout and stderr captured,
 * neither a terminal, so the output is plain.
 */

const packageDir = resolve(import.meta.dirname, '../../..');
/** A few seconds when quiet (tsx loads the sources); 10-15 s on a busy 2-core machine, over 120 s on an overloaded one. */
const CLI_TIMEOUT_MS = 240_000;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Kill the CLI after this long (default 240 s; a demo ceremony takes minutes). */
  readonly timeoutMs?: number;
}

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', 'src/main.ts', ...args], packageDir, options);
}

/** `npx <args>` at the repository's root, as the README tells users to run the apps. */
export async function runNpx(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess('npx', args, resolve(packageDir, '../..'), options);
}

async function runProcess(command: string, args: readonly string[], cwd: string, options: CliOptions): Promise<CliResult> {
  // Plain output: NO_COLOR, and no FORCE_COLOR (Nx sets it; Node then warns that it overrides NO_COLOR, on stderr).
  const { FORCE_COLOR: _forced, ...env } = process.env;
  const child = spawn(command, args, {
    cwd,
    env: { ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? CLI_TIMEOUT_MS,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  return { code, stdout, stderr };
}

/** Runs the CLI and fails the test with its output unless it exits 0. */
export async function runCliOk(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await runCli(args, options);
  if (result.code !== 0) throw new Error(`consortium-setup ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

export async function readJson<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** A fresh temporary folder per test file; remove() deletes it. */
export async function temporaryDir(prefix: string): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `setup-cli-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
