/**
 * One class per condition the dashboard server refuses or cannot do; callers branch on the class
 * (or `name`), never on the message.
 */

export class DashboardError extends Error {
  override readonly name: string = 'DashboardError';
}

/** endpoints.json or a --targets file is missing a field, lists too many members or cannot be read. */
export class TargetsFileError extends DashboardError {
  override readonly name = 'TargetsFileError';
}

/** A token file is empty, unreadable or lists too many tokens. */
export class TokenFileError extends DashboardError {
  override readonly name = 'TokenFileError';
}

/** A /metrics page that is not Prometheus text exposition, or is over its bounds. */
export class MetricsPageError extends DashboardError {
  override readonly name = 'MetricsPageError';
  constructor(
    message: string,
    /** 1-based line of the page, 0 when the page as a whole is at fault. */
    readonly line: number,
  ) {
    super(message);
  }
}

/** An HTTP answer from a node or Prometheus that is not what was asked (status, size, shape). */
export class UpstreamResponseError extends DashboardError {
  override readonly name = 'UpstreamResponseError';
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}
