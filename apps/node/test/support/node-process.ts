import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * A node as an operator runs it: `consortium-node --config node.json` in its own process (from
 * the TypeScript sources through tsx), so crashes, exit codes and process-level handlers are
 * the real ones.
 */
const repositoryRoot = resolve(import.meta.dirname, '../../../..');
const nodeMain = resolve(repositoryRoot, 'apps/node/src/main.ts');

export class NodeProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(configFile: string) {
    this.child = spawn(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', nodeMain, '--config', configFile], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) => this.child.once('exit', (code, signal) => done({ code, signal })));
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The URL the node logged it serves its API on, once it did. */
  httpUrl(): string | null {
    return /"httpUrl":"(http:\/\/[^"]+)"/.exec(this.output)?.[1] ?? null;
  }

  /** Sends `signal` to the process (SIGHUP: reload the tokens file). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Polls `check` until it holds; the error says what was awaited and what was last seen. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${describe() === '' ? '' : `; last seen: ${describe()}`}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
