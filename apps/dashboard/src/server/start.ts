import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { AlertEvaluator as RuleEvaluator, alertRetentionMs, alertSeriesNames, setupTelemetry, type Telemetry } from '@consortium/telemetry';
import type { FastifyInstance } from 'fastify';
import type { SourceInfo } from '../protocol.js';
import type { AlertEvaluator } from './alerts.js';
import { loadClientAssets } from './assets.js';
import type { DataSource } from './collect/data-source.js';
import { PrometheusSource } from './collect/prometheus-source.js';
import { RETAINED_METRICS } from './collect/retained.js';
import { ScrapeSource } from './collect/scrape-source.js';
import { SeriesStore } from './collect/series-store.js';
import { TargetsFollower } from './collect/targets-follower.js';
import type { Targets } from './collect/targets.js';
import { Dashboard } from './dashboard.js';
import { createDashboardServer, type ClientAssets } from './http/server.js';
import { DASHBOARD_LIMITS, scrapeDeadlineMs } from './limits.js';
import type { DashboardCliOptions } from './options.js';
import { ensureTokenFile, readTokenFile } from './tokens.js';

/**
 * The dashboard process, step by step: its telemetry, the observer tokens (a devnet's made when
 * missing), the member list (waiting for a devnet's endpoints.json), the data source, the
 * collection loop, then the HTTP server. `stop()` undoes them in reverse.
 */

export interface StartDashboardOptions extends DashboardCliOptions {
  /** The alert evaluator; default: the consortium's rules (alertRulesEvaluator); null: the dashboard evaluates none itself. */
  readonly evaluator?: AlertEvaluator | null;
  /** The client's files; default: bundleClient() of src/client/bundle.ts. */
  readonly assets?: ClientAssets;
  /** docs/operations.md for the runbook links; default: the repository's. */
  readonly runbookFile?: string | null;
  readonly telemetry?: Telemetry;
}

export interface RunningDashboard {
  /** The dashboard's address, e.g. http://127.0.0.1:4800 */
  readonly url: string;
  /** The first observer token of the token file (what `npm start` prints in its URL). */
  readonly token: string | null;
  readonly dashboard: Dashboard;
  readonly server: FastifyInstance;
  readonly telemetry: Telemetry;
  stop(): Promise<void>;
}

const repositoryRoot = resolve(import.meta.dirname, '../../../..');

/** A devnet's keys manifest sits in `<dir>/keys` (npm start's default keys folder). */
function devnetAdjust(devnetDir: string | null): (targets: Targets) => Targets {
  return (targets) => (devnetDir === null || targets.keysManifestFile !== null ? targets : { ...targets, keysManifestFile: join(devnetDir, 'keys', 'keys-manifest.json') });
}

/**
 * The consortium's alert rules (defined once, in @consortium/telemetry: the same rules
 * deploy/prometheus/alerts.yml is generated from), evaluated each round over the SeriesStore.
 */
export function alertRulesEvaluator(): AlertEvaluator {
  // The store keeps raw samples for rawRetentionMs; a rule reading further back would see a cut window.
  if (alertRetentionMs() > DASHBOARD_LIMITS.rawRetentionMs) throw new Error(`the alert rules read ${alertRetentionMs()} ms back, the store keeps ${DASHBOARD_LIMITS.rawRetentionMs} ms`);
  const rules = new RuleEvaluator();
  return { evaluate: (reader, nowMs) => rules.evaluate(reader, nowMs), metrics: alertSeriesNames() };
}

export async function startDashboard(options: StartDashboardOptions, signal: AbortSignal = new AbortController().signal): Promise<RunningDashboard> {
  const telemetry = options.telemetry ?? setupTelemetry({ serviceName: 'consortium-dashboard', memberId: 'dashboard', dataDir: options.devnetDir ?? dirname(options.tokenFile) });
  const { logger } = telemetry;
  const token = options.makeTokenFile ? await ensureTokenFile(options.tokenFile) : null;
  const observerTokens = await readTokenFile(options.tokenFile);
  if (options.makeAlertmanagerTokenFile && options.alertmanagerTokenFile !== null) await ensureTokenFile(options.alertmanagerTokenFile);
  const alertmanagerTokens = options.alertmanagerTokenFile === null ? null : await readTokenFile(options.alertmanagerTokenFile);

  // A devnet's operator tokens show each member's own statement totals (the bilateral matrix) and its pairs' anomalies; only GETs of statements and anomalies use them.
  const follower = new TargetsFollower(options.targetsFile, devnetAdjust(options.devnetDir), (error) => logger.warn({ err: error }, 'the member list could not be re-read; keeping the last one'), { totalsFrom: options.devnetDir === null ? 'totals' : 'operator' });
  await follower.first(Math.min(options.intervalMs, 1_000), signal);
  follower.follow(Math.max(options.intervalMs, 1_000));

  const evaluator = options.evaluator === undefined ? alertRulesEvaluator() : options.evaluator;
  const retained = new Set([...RETAINED_METRICS, ...(evaluator?.metrics ?? [])]);
  const source: DataSource = options.prometheusUrl === null ? new ScrapeSource(retained, scrapeDeadlineMs(options.intervalMs)) : new PrometheusSource(options.prometheusUrl, retained);
  const sourceInfo: SourceInfo = { kind: source.kind, intervalMs: options.intervalMs, ...(options.prometheusUrl === null ? {} : { prometheusUrl: options.prometheusUrl }) };
  const store = new SeriesStore({ retentionMs: DASHBOARD_LIMITS.rawRetentionMs, seriesMax: DASHBOARD_LIMITS.storeSeriesMax });
  const dashboard = new Dashboard({ targets: () => follower.targets, source, intervalMs: options.intervalMs, evaluator, store, logger });
  dashboard.start();

  let server: FastifyInstance;
  try {
    server = await createDashboardServer({
      dashboard,
      source: sourceInfo,
      observerTokens,
      alertmanagerTokens,
      assets: options.assets ?? (await loadClientAssets()),
      telemetry,
      runbookFile: options.runbookFile === undefined ? join(repositoryRoot, 'docs', 'operations.md') : options.runbookFile,
    });
    await server.listen({ host: options.listen.host, port: options.listen.port });
  } catch (error) {
    await dashboard.stop();
    follower.stop();
    throw error;
  }
  const address = server.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info({ url: `http://${host}:${address.port}`, source: source.kind, members: follower.targets.members.length }, 'dashboard serving');
  return {
    url: `http://${host}:${address.port}`,
    token,
    dashboard,
    server,
    telemetry,
    async stop() {
      await server.close();
      await dashboard.stop();
      follower.stop();
      if (options.telemetry === undefined) await telemetry.shutdown();
    },
  };
}
