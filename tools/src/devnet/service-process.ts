import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { appendChildOutput } from './child-log.js';
import { tailOf } from './processes.js';
import { WAIT_DEADLINES_MS } from './wait.js';

/**
 * A service the launcher (`npm start`) runs beside the nodes, such as the traffic generator and
 * the dashboard: its TypeScript main through tsx with the `@consortium/source` condition, like
 * the nodes; in a process group of its own (Ctrl-C reaches the launcher only, which stops it);
 * stdout and stderr appended to its log file; and the exit-with-parent preload, so it stops if
 * the launcher dies. The parts a launcher Component needs: pid, exit listeners, stop, log tail.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const exitWithParent = resolve(import.meta.dirname, 'exit-with-parent.ts');
const TS_FLAGS = ['--conditions=@consortium/source', '--import', 'tsx'];

/** Sends `signal` to a child process, SIGKILL after the stop deadline; resolves once it exited (at once if it does not run). */
export async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(signal);
  const forced = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), WAIT_DEADLINES_MS.stop);
  await exited;
  if (forced !== null) clearTimeout(forced);
}

export class ServiceProcess {
  private child: ChildProcess | null = null;
  /** Resolves once the running child's output is all in its log file. */
  private logWritten: Promise<void> = Promise.resolve();
  private readonly exitListeners: ((exit: string) => void)[] = [];

  constructor(readonly logFile: string) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Called with `code <n>` or `signal <name>` when the process exits. */
  onExit(listener: (exit: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Spawns `main` with `args`; returns the child (its stdout can be read besides the log). */
  spawn(main: string, args: readonly string[]): ChildProcess {
    const child = spawn(process.execPath, [...TS_FLAGS, '--import', exitWithParent, main, ...args], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const logWritten = appendChildOutput(child, this.logFile);
    this.logWritten = logWritten;
    this.child = child;
    child.once('exit', (code, signal) => {
      const exit = code !== null ? `code ${code}` : `signal ${signal}`;
      // Listeners read the log's end (the launcher prints it): once its last lines are in.
      void logWritten.then(() => {
        for (const listener of this.exitListeners) listener(exit);
      });
    });
    return child;
  }

  /** `signal` (SIGTERM by default), SIGKILL after the stop deadline; resolves once it exited and its output is in its log. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopChild(this.child, signal);
    // Its last lines ("stopped") are in the log file before the caller goes on (or exits).
    await this.logWritten;
  }

  async logTail(lines = 20): Promise<string> {
    return tailOf(this.logFile, lines);
  }
}
