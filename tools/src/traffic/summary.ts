/** What one period of traffic did, and its one-line form for the log. */
export interface PeriodSummary {
  readonly period: string;
  /** Usage records this run sent (0 when an earlier run had sent the period's usage). */
  readonly records: number;
  readonly batches: number;
  /** Statements this run proposed. */
  readonly statements: number;
  readonly disputes: number;
  /** Anomalies raised in the period on its anomalous directions, as their creditors' nodes tell (anomalies are the parties' data). */
  readonly anomalies: number;
  /** Payments of the period's netting. */
  readonly payments: number;
  /** Sum of the payments, minor units (a decimal string: a log line carries no bigint). */
  readonly nettedAmount: string;
  readonly elapsedMs: number;
}

const counted = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export function periodSummaryLine(summary: PeriodSummary): string {
  return [
    `period ${summary.period} settled and closed: ${counted(summary.records, 'record', 'records')}`,
    counted(summary.batches, 'batch', 'batches'),
    counted(summary.statements, 'statement', 'statements'),
    counted(summary.disputes, 'dispute', 'disputes'),
    counted(summary.anomalies, 'anomaly', 'anomalies'),
    `${counted(summary.payments, 'payment', 'payments')} (${summary.nettedAmount} minor units) in ${(summary.elapsedMs / 1_000).toFixed(1)} s`,
  ].join(', ');
}
