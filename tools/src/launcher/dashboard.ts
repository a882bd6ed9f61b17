import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { busyPorts } from '../devnet/processes.js';
import { ServiceProcess } from '../devnet/service-process.js';
import { WAIT_DEADLINES_MS } from '../devnet/wait.js';
import { Supervisor, type Component } from './supervisor.js';

/**
 * The dashboard (`consortium-dashboard --devnet <dir>`, apps/dashboard) as a service of
 * `npm start`, like the traffic generator (see ServiceProcess), its output appended to
 * `<devnet>/dashboard/dashboard.log`. It is ready once it prints `dashboard: <url>`; that line
 * (with the observer token) is what the launcher shows.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const dashboardMain = join(repositoryRoot, 'apps/dashboard/src/server/main.ts');

/** The dashboard's port when free (the README's URL), else any free one. */
export const PREFERRED_DASHBOARD_PORT = 4_800;
export const DASHBOARD_LOG_FILE = 'dashboard/dashboard.log';
export const DASHBOARD_TOKEN_FILE = 'dashboard/observer.token';
const READY_LINE = /^dashboard: (\S+)$/m;

export class DashboardStartError extends Error {
  override readonly name = 'DashboardStartError';
}

export class DashboardProcess {
  private readonly service: ServiceProcess;
  /** The printed link, `http://127.0.0.1:4800/#token=...`, once it serves. */
  link: string | null = null;

  constructor(readonly devnetDir: string) {
    this.service = new ServiceProcess(join(devnetDir, DASHBOARD_LOG_FILE));
  }

  get logFile(): string {
    return this.service.logFile;
  }

  get tokenFile(): string {
    return join(this.devnetDir, DASHBOARD_TOKEN_FILE);
  }

  /** The address without the token (endpoints.json carries the token's file, not the token). */
  get url(): string | null {
    return this.link === null ? null : this.link.replace(/#.*$/, '').replace(/\/$/, '');
  }

  get pid(): number | undefined {
    return this.service.pid;
  }

  get running(): boolean {
    return this.service.running;
  }

  onExit(listener: (exit: string) => void): void {
    this.service.onExit(listener);
  }

  /** Spawns it; resolves once it prints its URL (it then serves), rejects if it exits first. */
  async start(): Promise<void> {
    await mkdir(join(this.devnetDir, 'dashboard'), { recursive: true });
    const port = (await busyPorts([PREFERRED_DASHBOARD_PORT])).length === 0 ? PREFERRED_DASHBOARD_PORT : 0;
    const child = this.service.spawn(dashboardMain, ['--devnet', this.devnetDir, '--listen', `127.0.0.1:${port}`]);
    let printed = '';
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new DashboardStartError(`the dashboard printed no URL within ${WAIT_DEADLINES_MS.nodeStart} ms (log: ${this.logFile})`)), WAIT_DEADLINES_MS.nodeStart);
      child.stdout!.on('data', (chunk: Buffer) => {
        printed = (printed + chunk.toString('utf8')).slice(-4_096);
        const link = READY_LINE.exec(printed)?.[1];
        if (link === undefined || this.link !== null) return;
        this.link = link;
        clearTimeout(timer);
        done();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new DashboardStartError(`the dashboard exited (${code ?? signal}) before serving (log: ${this.logFile})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(error);
      });
    });
  }

  /** SIGTERM, SIGKILL after the stop deadline; resolves once it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.service.stop(signal);
  }

  async logTail(lines = 20): Promise<string> {
    return this.service.logTail(lines);
  }
}

/**
 * The dashboard as a supervised component. Like the traffic generator, its exit never ends the
 * run: the launcher reports it with its log and the nodes keep running.
 */
export function dashboardComponent(dashboard: DashboardProcess): Component {
  return {
    name: 'dashboard',
    logFile: dashboard.logFile,
    start: () => dashboard.start(),
    stop: () => dashboard.stop('SIGTERM'),
    kill: () => dashboard.stop('SIGKILL'),
    onExit: (listener) => dashboard.onExit(listener),
    logTail: () => dashboard.logTail(10),
  };
}

export interface DevnetDashboard {
  readonly dashboard: DashboardProcess;
  readonly supervisor: Supervisor;
  /** True once it serves; false when it could not start (reported through `note`). */
  readonly ready: Promise<boolean>;
}

/**
 * Starts the dashboard of a running devnet (its endpoints.json written) under its own supervisor,
 * returned at once so a stop during its start still stops it. A dashboard that cannot start or
 * dies later is reported through `note`; the nodes run on.
 */
export function startDevnetDashboard(dir: string, note: (text: string) => void): DevnetDashboard {
  const dashboard = new DashboardProcess(dir);
  const supervisor = new Supervisor([dashboardComponent(dashboard)]);
  const ready = supervisor.startAll(() => {}).then(
    () => {
      void supervisor.died.then((exit) => note(`✖ the dashboard exited (${exit.exit}); the nodes keep running. The end of ${dashboard.logFile}:\n${exit.logTail}`));
      return true;
    },
    async (error: unknown) => {
      note(`✖ the dashboard did not start (${(error as Error).message}); the nodes keep running. The end of ${dashboard.logFile}:\n${await dashboard.logTail(10)}`);
      return false;
    },
  );
  return { dashboard, supervisor, ready };
}
