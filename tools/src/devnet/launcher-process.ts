import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DevnetEndpoints } from '../launcher/endpoints.js';
import { ENDPOINTS_FILE } from '../launcher/endpoints.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/**
 * `npm start` as a process of its own (the launcher, tools/src/start.ts, which `npm start` runs
 * through tsx), for the e2e test and the start-up benchmark: its output collected, its exit
 * awaited, and the wait for the moment it reports the consortium up (endpoints.json).
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const startMain = resolve(import.meta.dirname, '../start.ts');

export interface LauncherProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code, once it exited and everything it printed was read. */
  readonly exited: Promise<number | null>;
}

/** Starts `npm start -- <args>` (the launcher directly, without npm in between, so signals reach it as Ctrl-C would). */
export function startLauncherProcess(args: readonly string[]): LauncherProcess {
  const child = spawn(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', startMain, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close': the process exited and its output has all arrived.
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, output: () => output, exited };
}

/**
 * Waits until the launcher wrote `dir`/endpoints.json (every node ready and committing) and, with
 * `until`, until the file says more (e.g. that the dashboard serves); throws at once if the
 * launcher exits first.
 */
export async function waitForEndpoints(
  dir: string,
  launcher: LauncherProcess,
  timeoutMs: number = WAIT_DEADLINES_MS.nodeStart + WAIT_DEADLINES_MS.progress,
  until: (endpoints: DevnetEndpoints) => boolean = () => true,
): Promise<DevnetEndpoints> {
  let endpoints: DevnetEndpoints | null = null;
  await waitFor('the launcher writes endpoints.json', async () => {
    if (launcher.child.exitCode !== null) throw new Error(`the launcher exited (${launcher.child.exitCode}):\n${launcher.output()}`);
    const text = await readFile(join(dir, ENDPOINTS_FILE), 'utf8').catch(() => null);
    endpoints = text === null ? null : (JSON.parse(text) as DevnetEndpoints);
    return { done: endpoints !== null && until(endpoints), seen: launcher.output().split('\n').slice(-3).join(' | ') };
  }, timeoutMs, 250);
  return endpoints!;
}
