import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ComponentExitedError } from '../../src/launcher/errors.js';
import { processAlive } from '../../src/launcher/lock.js';
import { Supervisor, type Component } from '../../src/launcher/supervisor.js';

/** A real process as a component: runs `script` in Node.js; "starts" once spawned, or fails at once when `failStart`. */
class ScriptProcess implements Component {
  child: ChildProcess | null = null;
  private readonly listeners: ((exit: string) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly failStart = false,
  ) {}

  readonly logFile = '/dev/null';

  async start(): Promise<void> {
    if (this.failStart) throw new Error(`${this.name} cannot start`);
    const child = spawn(process.execPath, ['-e', this.script], { stdio: 'ignore' });
    this.child = child;
    child.once('exit', (code, signal) => {
      for (const listener of this.listeners) listener(code !== null ? `code ${code}` : `signal ${signal}`);
    });
    await new Promise((done) => child.once('spawn', done));
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }

  stop = () => this.signal('SIGTERM');
  kill = () => this.signal('SIGKILL');

  onExit(listener: (exit: string) => void): void {
    this.listeners.push(listener);
  }

  logTail = () => Promise.resolve(`the last words of ${this.name}`);
}

const RUNS = 'setInterval(() => {}, 1000)';

describe('the supervisor', () => {
  it('starts every component, and stopping them leaves no process', async () => {
    const components = ['a', 'b', 'c', 'd'].map((name) => new ScriptProcess(name, RUNS));
    const supervisor = new Supervisor(components);
    const started: string[] = [];
    await supervisor.startAll((component) => started.push(component.name));
    expect(started.sort()).toEqual(['a', 'b', 'c', 'd']);
    const pids = components.map((component) => component.child!.pid!);
    expect(pids.every(processAlive)).toBe(true);
    await supervisor.stopAll();
    expect(pids.some(processAlive)).toBe(false);
  });

  it('reports a component that exits on its own, with its exit and log, and stops the rest on request', async () => {
    const components = [new ScriptProcess('steady', RUNS), new ScriptProcess('dies', 'setTimeout(() => process.exit(3), 300)')];
    const supervisor = new Supervisor(components);
    await supervisor.startAll(() => {});
    const died = await supervisor.died;
    expect(died).toBeInstanceOf(ComponentExitedError);
    expect(died).toMatchObject({ component: 'dies', exit: 'code 3', logTail: 'the last words of dies' });
    await supervisor.stopAll();
    expect(processAlive(components[0]!.child!.pid!)).toBe(false);
  });

  it('stops the started ones when one cannot start, then throws its error', async () => {
    const components = [new ScriptProcess('ok', RUNS), new ScriptProcess('broken', RUNS, true)];
    const supervisor = new Supervisor(components);
    await expect(supervisor.startAll(() => {})).rejects.toThrow('broken cannot start');
    expect(processAlive(components[0]!.child!.pid!)).toBe(false);
  });

  it('does not call a stop it asked for a death', async () => {
    const supervisor = new Supervisor([new ScriptProcess('a', RUNS)]);
    await supervisor.startAll(() => {});
    let reported = false;
    void supervisor.died.then(() => (reported = true));
    await supervisor.killAll();
    // The exit was seen (killAll waits for it) and a death would be reported a few ticks later.
    for (let tick = 0; tick < 10; tick++) await new Promise((done) => setImmediate(done));
    expect(reported).toBe(false);
  });
});
