import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { parseDocument, type Document } from 'yaml';
import { tailOf } from './processes.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/**
 * A real Prometheus server (Debian package `prometheus`) for e2e tests: started on a free
 * loopback port with a temporary TSDB, queried through its HTTP API, stopped by the test. Also
 * the rewrite of the shipped deploy/prometheus/prometheus.yml that points it at a test's files.
 */

/** The scrape job of deploy/prometheus/prometheus.yml that reads the launcher's targets. */
const NODE_JOB = 'consortium-node';
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The path of a system command; a missing one fails with the exact install command (README line
 * 2 installs the test's Debian packages when it runs as root), never a skip.
 */
export function systemTool(command: string, debianPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') throw new Error(`${command} is not installed; install it with: sudo apt-get install -y ${debianPackage}`);
  return path;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export interface TestConfigOptions {
  /** Absolute path of the file_sd targets file (the launcher's `<devnet>/prometheus/targets.json`). */
  readonly targetsFile: string;
  /** `host:port` of the Alertmanager (or a test's stand-in) Prometheus sends alerts to. */
  readonly alertmanager: string;
  /** Scrape and evaluation interval (and scrape timeout), so a test sees changes in seconds. */
  readonly intervalSeconds: number;
}

/** Throws, naming what the shipped file lacks, unless `document` has a node at `path`. */
function required(document: Document, path: readonly (string | number)[]): void {
  if (!document.hasIn(path)) throw new Error(`the shipped prometheus.yml has no ${path.join('.')}`);
}

/**
 * The shipped prometheus.yml with only the file_sd path, the Alertmanager target and the
 * intervals changed; everything else (job, metrics path, rule files, relabelling) stays as
 * shipped. Throws when the shipped file does not have the parts it rewrites.
 */
export function rewritePrometheusConfig(shipped: string, options: TestConfigOptions): string {
  const document = parseDocument(shipped);
  const jobs = (document.toJS() as { scrape_configs?: { job_name: string }[] }).scrape_configs ?? [];
  const job = jobs.findIndex((entry) => entry.job_name === NODE_JOB);
  if (job < 0) throw new Error(`the shipped prometheus.yml has no job ${NODE_JOB}`);
  const files = ['scrape_configs', job, 'file_sd_configs', 0, 'files'];
  const alertmanager = ['alerting', 'alertmanagers', 0, 'static_configs', 0, 'targets'];
  for (const path of [files, alertmanager, ['global', 'scrape_interval'], ['global', 'evaluation_interval']]) required(document, path);
  document.setIn(files, document.createNode([options.targetsFile]));
  document.setIn(alertmanager, document.createNode([options.alertmanager]));
  const interval = `${options.intervalSeconds}s`;
  document.setIn(['global', 'scrape_interval'], interval);
  document.setIn(['global', 'scrape_timeout'], interval);
  document.setIn(['global', 'evaluation_interval'], interval);
  return document.toString();
}

/** One sample of an instant vector. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusRule {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health: string;
  readonly lastError?: string;
  readonly lastEvaluation: string;
}

export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
}

/** Prometheus's API answered with an error (a query that does not parse, a server not ready). */
export class PrometheusApiError extends Error {
  override readonly name = 'PrometheusApiError';
}

/** Servers this process started and that still run: killed if it exits without stopping them. */
const liveServers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveServers) child.kill('SIGKILL');
});

export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
  ) {}

  /** Starts `/usr/bin/prometheus` on a free loopback port and waits until it is ready (`/-/ready`). */
  static async start(options: { readonly configFile: string; readonly dataDir: string; readonly logFile: string }): Promise<PrometheusServer> {
    const binary = systemTool('prometheus', 'prometheus');
    const port = await freePort();
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = spawn(binary, [`--config.file=${options.configFile}`, `--storage.tsdb.path=${options.dataDir}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    liveServers.add(child);
    child.once('exit', () => liveServers.delete(child));
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, options.logFile);
    try {
      await waitFor(`prometheus ready at ${server.url}`, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}):\n${await tailOf(options.logFile)}`);
        const response = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(() => null);
        return { done: response?.status === 200, seen: response === null ? 'no answer' : `HTTP ${response.status}` };
      }, WAIT_DEADLINES_MS.nodeStart, 250);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    let body: { status?: string; data?: T; error?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON (a server still starting answers plain text): reported below with the status.
    }
    if (body.status !== 'success' || body.data === undefined) throw new PrometheusApiError(`${path}: ${body.error ?? `HTTP ${response.status} ${text.slice(0, 200)}`}`);
    return body.data;
  }

  /** An instant query; the result as samples (a scalar answers one sample without labels). */
  async query(expr: string): Promise<VectorSample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
    if (data.resultType !== 'vector') throw new PrometheusApiError(`${expr}: a ${data.resultType}, not an instant vector`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
  }

  /** Every loaded rule, over all groups. */
  async rules(): Promise<PrometheusRule[]> {
    const data = await this.api<{ groups: { rules: PrometheusRule[] }[] }>('/api/v1/rules');
    return data.groups.flatMap((group) => group.rules);
  }

  /** The targets Prometheus scrapes now (from its service discovery), with their labels. */
  async activeTargets(): Promise<{ readonly labels: Readonly<Record<string, string>>; readonly health: string }[]> {
    return (await this.api<{ activeTargets: { labels: Record<string, string>; health: string }[] }>('/api/v1/targets?state=active')).activeTargets;
  }

  /** Alerts pending or firing now. */
  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the stop deadline. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), WAIT_DEADLINES_MS.stop);
    await exited;
    clearTimeout(forced);
  }
}
