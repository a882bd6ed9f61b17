import { isAbsolute, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

/**
 * `consortium-dashboard`'s command line (commander). Parsing is all this does; paths come back
 * absolute, and exactly one of --devnet and --targets names the members.
 */

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface DashboardCliOptions {
  /** The file listing the members: `<devnet>/endpoints.json` or the --targets file. */
  readonly targetsFile: string;
  /** The devnet folder (devnet mode), null with --targets. */
  readonly devnetDir: string | null;
  readonly listen: ListenAddress;
  readonly tokenFile: string;
  /** Make the token file when it is missing (the devnet default only). */
  readonly makeTokenFile: boolean;
  readonly prometheusUrl: string | null;
  readonly alertmanagerTokenFile: string | null;
  /** Make the Alertmanager token file when it is missing (the devnet default only). */
  readonly makeAlertmanagerTokenFile: boolean;
  readonly intervalMs: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 4800 };
export const INTERVAL_MS = { default: 1_000, min: 200, max: 60_000 } as const;

export function parseListen(value: string): ListenAddress {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (match === null || port > 65_535) throw new InvalidArgumentError('must be host:port, e.g. 127.0.0.1:4800 (port 0: any free one)');
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function interval(value: string): number {
  const parsed = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || parsed < INTERVAL_MS.min || parsed > INTERVAL_MS.max) throw new InvalidArgumentError(`must be a whole number of milliseconds from ${INTERVAL_MS.min} to ${INTERVAL_MS.max}`);
  return parsed;
}

function httpUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be an http(s) URL, e.g. http://127.0.0.1:9090');
}

export function dashboardProgram(): Command {
  return new Command('consortium-dashboard')
    .description('The live web dashboard of an SP Consortium Chain: health, consensus, P2P topology, settlements, ZKP, security events, alerts and resources of every member node.')
    .option('--devnet <dir>', 'follow a local devnet: reads <dir>/endpoints.json (waits for it, re-reads it when it is rewritten)')
    .option('--targets <file>', 'the member nodes of any other deployment (the members list of endpoints.json: id, apiUrl, metricsUrl, tokens.observer)')
    .option('--listen <host:port>', 'where to serve the dashboard', parseListen, DEFAULT_LISTEN)
    .option('--token-file <path>', 'observer tokens the dashboard accepts, one per line (devnet default: <dir>/dashboard/observer.token, made if missing)')
    .option('--prometheus <url>', 'read the metrics and alerts from this Prometheus server instead of scraping the nodes', httpUrl)
    .option('--alertmanager-token-file <path>', 'bearer token(s) Alertmanager presents to POST /api/alertmanager (devnet default: <dir>/dashboard/alertmanager.token, made if missing; elsewhere without it the webhook is refused)')
    .option('--interval-ms <ms>', 'how often to collect and push an update', interval, INTERVAL_MS.default)
    .exitOverride()
    .showHelpAfterError();
}

interface Parsed {
  readonly devnet?: string;
  readonly targets?: string;
  readonly listen: ListenAddress;
  readonly tokenFile?: string;
  readonly prometheus?: string;
  readonly alertmanagerTokenFile?: string;
  readonly intervalMs: number;
}

/** Options from argv (process.argv form); commander throws CommanderError on bad input or --help. */
export function parseDashboardArgs(argv: readonly string[], cwd: string = process.cwd()): DashboardCliOptions {
  const program = dashboardProgram();
  program.parse(argv);
  const parsed = program.opts<Parsed>();
  const at = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  if ((parsed.devnet === undefined) === (parsed.targets === undefined)) program.error('error: give exactly one of --devnet <dir> and --targets <file>');
  const devnetDir = parsed.devnet === undefined ? null : at(parsed.devnet);
  if (devnetDir === null && parsed.tokenFile === undefined) program.error('error: --targets needs --token-file (the observer tokens the dashboard accepts)');
  return {
    targetsFile: devnetDir === null ? at(parsed.targets!) : join(devnetDir, 'endpoints.json'),
    devnetDir,
    listen: parsed.listen,
    tokenFile: parsed.tokenFile === undefined ? join(devnetDir!, 'dashboard', 'observer.token') : at(parsed.tokenFile),
    makeTokenFile: parsed.tokenFile === undefined,
    prometheusUrl: parsed.prometheus ?? null,
    // A devnet's default is the file deploy/alertmanager/alertmanager.yml reads (credentials_file).
    alertmanagerTokenFile: parsed.alertmanagerTokenFile !== undefined ? at(parsed.alertmanagerTokenFile) : devnetDir === null ? null : join(devnetDir, 'dashboard', 'alertmanager.token'),
    makeAlertmanagerTokenFile: parsed.alertmanagerTokenFile === undefined && devnetDir !== null,
    intervalMs: parsed.intervalMs,
  };
}
