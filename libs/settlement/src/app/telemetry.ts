import { SETTLEMENT_PERIODS_KEPT, type SettlementMetrics, type ZkpMetrics } from '@consortium/telemetry';
import { STATEMENT_STATES, type StatementState } from '../domain/types.js';
import type { SettlementEvent } from '../state/context.js';
import type { StatementRecord } from '../state/records.js';
import { UnansweredStatements } from './unanswered-statements.js';

/**
 * The settlement metrics a committed block moves. Amounts are bigints on chain; a metric is a
 * float64, so an amount becomes Number(amount): exact up to 2^53 minor units (9e15: nine billion
 * euro in micro-euro), rounded to the nearest float above, never wrapped or truncated.
 */

export function amountAsMetric(amount: bigint): number {
  return Number(amount);
}

export class SettlementTelemetry {
  private readonly statementCounts = new Map<StatementState, number>(STATEMENT_STATES.map((s) => [s, 0]));
  private readonly periodsShown: string[] = [];
  private readonly unanswered = new UnansweredStatements();

  /** `keyEpochGauge`: the zkp area's key epoch, which the chain's registrations move. */
  constructor(
    private readonly metrics: SettlementMetrics | null,
    private readonly keyEpochGauge: Pick<ZkpMetrics, 'keyEpoch'> | null = null,
  ) {}

  /**
   * Statement counts and the unanswered index from a loaded state (start-up, restore). The
   * oldest unanswered age waits for the next committed block: its age is in block time.
   */
  resetStatements(statements: Iterable<StatementRecord>): void {
    const all = [...statements];
    for (const state of STATEMENT_STATES) this.statementCounts.set(state, 0);
    for (const statement of all) this.statementCounts.set(statement.state, this.statementCounts.get(statement.state)! + 1);
    this.unanswered.reset(all);
    this.publishStatements();
  }

  /** A statement record changed from `before` (undefined: new) to `after`. */
  statementChanged(before: StatementRecord | undefined, after: StatementRecord): void {
    if (before?.state === after.state) return;
    this.unanswered.changed(before, after);
    if (before !== undefined) this.statementCounts.set(before.state, this.statementCounts.get(before.state)! - 1);
    this.statementCounts.set(after.state, this.statementCounts.get(after.state)! + 1);
  }

  publishStatements(): void {
    for (const [state, count] of this.statementCounts) this.metrics?.statements.set({ state }, count);
  }

  /** After a committed block: the age, in that block's time, of the oldest statement its debtor has not answered. */
  publishUnanswered(blockTimeMs: number): void {
    this.metrics?.oldestUnansweredStatementAgeSeconds.set(this.unanswered.oldestAgeMs(blockTimeMs) / 1000);
  }

  /** The latest key epoch registered on chain (start-up, restore; a registration is an event). */
  keyEpoch(epoch: number): void {
    this.keyEpochGauge?.keyEpoch.set(epoch);
  }

  txExecuted(type: Parameters<SettlementMetrics['txsTotal']['inc']>[0]['type'], code: string): void {
    this.metrics?.txsTotal.inc({ type, code: code as Parameters<SettlementMetrics['txsTotal']['inc']>[0]['code'] });
  }

  checkTxRefused(code: string): void {
    this.metrics?.checkTxRefusedTotal.inc({ code: code as Parameters<SettlementMetrics['checkTxRefusedTotal']['inc']>[0]['code'] });
  }

  finalizeDuration(seconds: number): void {
    this.metrics?.finalizeBlockSeconds.observe(seconds);
  }

  verdict(stage: 'check_tx' | 'proposal' | 'block', outcome: 'valid' | 'invalid' | 'error'): void {
    this.metrics?.proofVerificationsTotal.inc({ stage, outcome });
  }

  events(events: readonly SettlementEvent[]): void {
    const metrics = this.metrics;
    for (const event of events) {
      if (event.type === 'key_epoch_registered') this.keyEpoch(event.epoch);
      if (metrics === null) continue;
      switch (event.type) {
        case 'batch_committed':
          metrics.batchesCommittedTotal.inc({ creditor: event.creditor });
          metrics.recordsCommittedTotal.inc({ creditor: event.creditor }, event.records);
          break;
        case 'statement_state':
          if (event.state === 'disputed') metrics.disputesTotal.inc({ event: 'opened' });
          else if (event.state === 'resolved') metrics.disputesTotal.inc({ event: 'resolved' });
          else if (event.state === 'superseded') metrics.disputesTotal.inc({ event: 'superseded' });
          break;
        case 'statement_accepted':
          metrics.batchToAcceptedSeconds.observe(Math.max(0, event.batchToAcceptedMs) / 1000);
          break;
        case 'period_closed':
          this.showPeriod(event.period, event.nettedAmount, event.grossAmount);
          break;
        default:
          break;
      }
    }
  }

  /** Sets a closed period's amounts; beyond SETTLEMENT_PERIODS_KEPT periods the oldest label value is removed. */
  private showPeriod(period: string, netted: bigint, gross: bigint): void {
    const metrics = this.metrics!;
    metrics.periodNettedAmount.set({ period }, amountAsMetric(netted));
    metrics.periodGrossAmount.set({ period }, amountAsMetric(gross));
    if (!this.periodsShown.includes(period)) this.periodsShown.push(period);
    this.periodsShown.sort();
    while (this.periodsShown.length > SETTLEMENT_PERIODS_KEPT) {
      const oldest = this.periodsShown.shift()!;
      metrics.periodNettedAmount.remove({ period: oldest });
      metrics.periodGrossAmount.remove({ period: oldest });
    }
  }
}
