/**
 * @consortium/dashboard: the live web dashboard of the consortium.
 *
 * Public on purpose:
 * - the protocol between the dashboard server and its browser client (routes, snapshot, stream
 *   messages, chart specs), for the client and for tests and tools that read the dashboard;
 * - `startDashboard`, so the launcher, benchmarks and tests run the server in process;
 * - the SeriesStore and its reader, and the alert evaluator shape, where the alert rules of
 *   @consortium/telemetry plug in;
 * - the Prometheus text parser and the history, for benchmarks.
 */
export * from './protocol.js';
export { startDashboard } from './server/start.js';
export type { StartDashboardOptions, RunningDashboard } from './server/start.js';
export { parseDashboardArgs, dashboardProgram, DEFAULT_LISTEN } from './server/options.js';
export type { DashboardCliOptions, ListenAddress } from './server/options.js';
export { Dashboard } from './server/dashboard.js';
export type { StreamListener, DashboardCoreOptions } from './server/dashboard.js';
export { createDashboardServer, SESSION_COOKIE } from './server/http/server.js';
export type { ClientAssets, DashboardServerOptions } from './server/http/server.js';
export { SeriesStore } from './server/collect/series-store.js';
export type { SeriesReader, SelectedSeries, Sample } from './server/collect/series-store.js';
export { AlertBook, alertItemOf } from './server/alerts.js';
export type { AlertEvaluator, AlertEvaluation, EvaluatedAlert } from './server/alerts.js';
export { parsePrometheusText } from './server/collect/prom-text.js';
export type { ParsedSample } from './server/collect/prom-text.js';
export { ChartHistory } from './server/history.js';
export { readTargets } from './server/collect/targets.js';
export type { Target, Targets } from './server/collect/targets.js';
export { ensureTokenFile, readTokenFile } from './server/tokens.js';
export { DASHBOARD_LIMITS } from './server/limits.js';
export { DashboardError, TargetsFileError, TokenFileError, MetricsPageError, UpstreamResponseError } from './server/errors.js';
