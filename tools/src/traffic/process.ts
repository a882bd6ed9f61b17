import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { tailOf } from '../devnet/processes.js';
import { WAIT_DEADLINES_MS } from '../devnet/wait.js';

/**
 * The traffic generator as a child process of the launcher (`npm start`): cli.ts from its
 * TypeScript sources through tsx with the `@consortium/source` condition, like the nodes, in a
 * process group of its own (Ctrl-C reaches the launcher only, which stops it), its JSON log
 * lines appended to `<devnet>/traffic.log`. It stops itself if the launcher dies (the nodes'
 * exit-with-parent preload). The four operations a launcher Component needs.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const trafficMain = join(import.meta.dirname, 'cli.ts');
const exitWithParent = join(import.meta.dirname, '../devnet/exit-with-parent.ts');
const TS_FLAGS = ['--conditions=@consortium/source', '--import', 'tsx'];

export const TRAFFIC_LOG_FILE = 'traffic.log';

export interface TrafficProcessOptions {
  readonly endpointsFile: string;
  readonly periods: number;
  readonly recordsPerDirection: number;
  /** Further command-line options of cli.ts (--seed, --first-period, ...). */
  readonly extraArgs?: readonly string[];
}

/** Sends `signal` to a child process, SIGKILL after the stop deadline; resolves once it exited (at once if it does not run). */
export async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(signal);
  const forced = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), WAIT_DEADLINES_MS.stop);
  await exited;
  if (forced !== null) clearTimeout(forced);
}

export class TrafficProcess {
  private child: ChildProcess | null = null;
  private readonly exitListeners: ((exit: string) => void)[] = [];

  constructor(
    readonly devnetDir: string,
    private readonly options: TrafficProcessOptions,
  ) {}

  get logFile(): string {
    return join(this.devnetDir, TRAFFIC_LOG_FILE);
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get args(): string[] {
    const { endpointsFile, periods, recordsPerDirection, extraArgs = [] } = this.options;
    return ['--endpoints', endpointsFile, '--periods', String(periods), '--records', String(recordsPerDirection), ...extraArgs];
  }

  onExit(listener: (exit: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Spawns it; resolves once the process runs (it then reads endpoints.json and starts its plan). */
  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...TS_FLAGS, '--import', exitWithParent, trafficMain, ...this.args], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.child = child;
    child.once('exit', (code, signal) => {
      const exit = code !== null ? `code ${code}` : `signal ${signal}`;
      for (const listener of this.exitListeners) listener(exit);
    });
    await new Promise<void>((done, fail) => {
      child.once('spawn', () => done());
      child.once('error', fail);
    });
  }

  /** SIGTERM (it stops between requests), SIGKILL after the stop deadline; resolves once it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopChild(this.child, signal);
  }

  async logTail(lines = 20): Promise<string> {
    return tailOf(this.logFile, lines);
  }
}
