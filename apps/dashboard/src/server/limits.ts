/**
 * Every bound of the dashboard server, in one place: what it keeps in memory, what it reads
 * from a node, and what it accepts from a browser. Each is sized for a consortium of up to 32
 * members (MEMBER_IDS of the telemetry catalogue) and a day of history.
 */
export const DASHBOARD_LIMITS = {
  /** Members the dashboard follows (the catalogue's bound on member labels). */
  membersMax: 32,
  /** Bytes of one node's /metrics page; a node's full catalogue is ~200 KiB. */
  metricsPageBytesMax: 8 * 1024 * 1024,
  /** Samples on one /metrics page. */
  metricsPageSamplesMax: 50_000,
  /** Bytes of one node API JSON answer (1,000 statements in their public view fit). */
  apiResponseBytesMax: 16 * 1024 * 1024,
  /** Bytes of one event of a node's event stream. */
  nodeEventBytesMax: 64 * 1024,
  /** Raw samples are kept this long for rates, percentiles and the alert rules. */
  rawRetentionMs: 15 * 60_000,
  /** Distinct series kept in the store (all members together). */
  storeSeriesMax: 60_000,
  /** Security events listed (newest first). */
  securityEventsMax: 500,
  /** Anomalies, disputes, equivocations listed. */
  anomaliesMax: 200,
  disputesMax: 200,
  equivocationsMax: 100,
  /** Resolved alerts kept in the history. */
  alertHistoryMax: 500,
  /** Alerts active at once (rules x label sets). */
  activeAlertsMax: 1_000,
  /** Statements read per period, and periods whose statements are read. */
  statementsPerPeriodMax: 1_000,
  statementPeriodsRead: 3,
  /** Browsers streaming at once, and messages queued for one slow browser before it is dropped. */
  streamClientsMax: 64,
  streamQueueMax: 256,
  /** Browser sessions alive at once, and how long one lasts. */
  sessionsMax: 1_000,
  sessionTtlMs: 12 * 3_600_000,
  /** Body of POST /api/session and of the Alertmanager webhook. */
  sessionBodyBytesMax: 1_024,
  alertmanagerBodyBytesMax: 1024 * 1024,
  /** Alerts in one Alertmanager webhook call. */
  alertmanagerAlertsMax: 1_000,
  /** Requests per minute per client address on the API (refusals counted). */
  requestsPerMinute: 600,
  /** Tokens a token file may list. */
  tokensMax: 16,
  /** Bytes of the ceremony transcript read for the ZKP view (four members and one circuit: 11 KiB). */
  ceremonyTranscriptBytesMax: 4 * 1024 * 1024,
} as const;

/** Per-request deadlines towards the nodes and Prometheus. */
export const DEADLINES_MS = {
  scrape: 5_000,
  api: 10_000,
  prometheus: 10_000,
  /** First retry delay of a node's event stream, and the largest. */
  eventStreamRetryMin: 250,
  eventStreamRetryMax: 10_000,
} as const;

/**
 * How long one round waits for a member's page: twice the interval, at least 2 s (a busy node
 * renders its page in tens of ms, a loaded 2-core machine in hundreds), at most 5 s. A hung node
 * delays a round by this much, never more; it is then reported down.
 */
export function scrapeDeadlineMs(intervalMs: number): number {
  return Math.min(DEADLINES_MS.scrape, Math.max(2_000, 2 * intervalMs));
}
