import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';

export interface ProcessResult {
  readonly code: number | null;
  /** stdout and stderr, interleaved as they came. */
  readonly output: string;
}

/** A few seconds when quiet; generous for a busy 2-core machine, and still below the e2e test bound. */
const KILL_AFTER_MS = 150_000;

/** Runs `node <args>` to its end (SIGKILL after 150 s, so a process that hangs fails the test). */
export async function runNode(args: readonly string[], options: { cwd?: string } = {}): Promise<ProcessResult> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { code, output };
  } finally {
    clearTimeout(killer);
  }
}

/** Runs a TypeScript file of this package the way the tests load it (tsx, source condition). */
export function runTypeScript(script: string, args: readonly string[] = []): Promise<ProcessResult> {
  return runNode([join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'), '--conditions=@consortium/source', script, ...args]);
}
