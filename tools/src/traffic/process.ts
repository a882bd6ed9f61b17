import { join } from 'node:path';
import { ServiceProcess } from '../devnet/service-process.js';

/**
 * The traffic generator as a service of the launcher (`npm start`, see ServiceProcess): cli.ts,
 * its JSON log lines appended to `<devnet>/traffic.log`. The four operations a launcher
 * Component needs.
 */

const trafficMain = join(import.meta.dirname, 'cli.ts');

export const TRAFFIC_LOG_FILE = 'traffic.log';

export interface TrafficProcessOptions {
  readonly endpointsFile: string;
  readonly periods: number;
  readonly recordsPerDirection: number;
  /** Further command-line options of cli.ts (--seed, --first-period, ...). */
  readonly extraArgs?: readonly string[];
}

export class TrafficProcess {
  private readonly service: ServiceProcess;

  constructor(
    readonly devnetDir: string,
    private readonly options: TrafficProcessOptions,
  ) {
    this.service = new ServiceProcess(join(devnetDir, TRAFFIC_LOG_FILE));
  }

  get logFile(): string {
    return this.service.logFile;
  }

  get pid(): number | undefined {
    return this.service.pid;
  }

  get running(): boolean {
    return this.service.running;
  }

  get args(): string[] {
    const { endpointsFile, periods, recordsPerDirection, extraArgs = [] } = this.options;
    return ['--endpoints', endpointsFile, '--periods', String(periods), '--records', String(recordsPerDirection), ...extraArgs];
  }

  onExit(listener: (exit: string) => void): void {
    this.service.onExit(listener);
  }

  /** Spawns it; resolves once the process runs (it then reads endpoints.json and starts its plan). */
  async start(): Promise<void> {
    const child = this.service.spawn(trafficMain, this.args);
    await new Promise<void>((done, fail) => {
      child.once('spawn', () => done());
      child.once('error', fail);
    });
  }

  /** SIGTERM (it stops between requests), SIGKILL after the stop deadline; resolves once it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.service.stop(signal);
  }

  async logTail(lines = 20): Promise<string> {
    return this.service.logTail(lines);
  }
}
