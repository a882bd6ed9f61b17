/**
 * Every bound of the browser client, in one place: the page runs for days with a tick a second,
 * so each list it keeps has a length limit and each chart a time span (CHART_RANGES).
 */
export const CLIENT_LIMITS = {
  /** Security events kept for the live list (newest first); the server's snapshot is bounded too. */
  securityEventsMax: 500,
  /** Resolved alerts kept in the history list. */
  alertHistoryMax: 200,
  /** Committed blocks kept for the consensus view's recent-blocks list. */
  recentBlocksMax: 50,
  /** Toasts on screen at once; the oldest goes first. */
  toastsMax: 5,
  /** How long a toast stays unless dismissed. */
  toastLifetimeMs: 15_000,
  /** Rows a table shows before it says how many it left out (tables of periods, anomalies, disputes). */
  tableRowsMax: 200,
  /** Characters of filter text kept (it is matched against every listed event on every render). */
  filterTextMax: 200,
  /** Stream reconnect back-off: first wait, then doubled up to the maximum. */
  reconnectFirstMs: 1_000,
  reconnectMaxMs: 10_000,
} as const;
