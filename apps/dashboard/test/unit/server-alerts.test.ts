import { describe, expect, it } from 'vitest';
import { AlertBook, alertId, alertItemOf, alertmanagerItems, runbookUrlOf } from '../../src/server/alerts.js';
import { SeriesStore } from '../../src/server/collect/series-store.js';
import { DASHBOARD_LIMITS } from '../../src/server/limits.js';
import { UpZeroEvaluator } from './server-fixtures.js';

describe('AlertBook', () => {
  it('reports a new alert once, keeps it while active, and resolves it into the history', () => {
    const store = new SeriesStore({ retentionMs: 60_000, seriesMax: 10 });
    const evaluator = new UpZeroEvaluator();
    const book = new AlertBook();
    const round = (nowMs: number, up: number) => {
      store.append('up', { member: 'M2', instance: 'h:1' }, nowMs, up);
      return book.reconcile('dashboard', evaluator.evaluate(store, nowMs).active.map((a) => alertItemOf(a, 'dashboard')), nowMs);
    };
    expect(round(1_000, 1)).toEqual([]);
    const fired = round(2_000, 0);
    expect(fired).toEqual([expect.objectContaining({ id: 'NodeDown{member="M2"}', state: 'firing', origin: 'dashboard', runbookUrl: 'docs/operations.md#node-down', activeSinceMs: 2_000 })]);
    expect(round(3_000, 0)).toEqual([]);
    expect(book.firingByMember()).toEqual(new Map([['M2', 1]]));
    const resolved = round(4_000, 1);
    expect(resolved).toEqual([expect.objectContaining({ state: 'resolved', resolvedAtMs: 4_000 })]);
    expect(book.view()).toEqual({ active: [], history: resolved });
  });

  it('keeps origins apart: a Prometheus round does not resolve the dashboard alerts', () => {
    const book = new AlertBook();
    const item = alertItemOf({ rule: 'R', severity: 'warning', state: 'pending', labels: {}, summary: 's', runbook: 'r', activeSinceMs: 1 }, 'dashboard');
    book.reconcile('dashboard', [item], 1);
    expect(book.reconcile('prometheus', [], 2)).toEqual([]);
    expect(book.view().active).toHaveLength(1);
    // pending -> firing is a change to report
    expect(book.reconcile('dashboard', [{ ...item, state: 'firing' }], 3)).toHaveLength(1);
  });

  it('bounds the history', () => {
    const book = new AlertBook();
    for (let i = 0; i < DASHBOARD_LIMITS.alertHistoryMax + 10; i += 1) {
      book.reconcile('dashboard', [alertItemOf({ rule: `R${i}`, severity: 'info', state: 'firing', labels: {}, summary: '', runbook: 'x', activeSinceMs: i }, 'dashboard')], i);
      book.reconcile('dashboard', [], i + 0.5);
    }
    expect(book.view().history).toHaveLength(DASHBOARD_LIMITS.alertHistoryMax);
    expect(book.view().history[0]!.rule).toBe(`R${DASHBOARD_LIMITS.alertHistoryMax + 9}`);
  });

  it('names an alert by rule and sorted labels, and links runbooks into docs/operations.md', () => {
    expect(alertId('R', { b: '2', a: '1', alertname: 'R', severity: 'critical' })).toBe('R{a="1",b="2"}');
    expect(runbookUrlOf('node-down')).toBe('docs/operations.md#node-down');
    expect(runbookUrlOf('https://example.org/x')).toBe('https://example.org/x');
  });

  it('reads Alertmanager webhook bodies and refuses what is not one', () => {
    expect(alertmanagerItems({ alerts: 'x' }, 0)).toBeNull();
    expect(alertmanagerItems({ alerts: [{ labels: { severity: 'critical' } }] }, 0)).toBeNull();
    expect(alertmanagerItems({ alerts: Array.from({ length: DASHBOARD_LIMITS.alertmanagerAlertsMax + 1 }, () => ({ labels: { alertname: 'A' } })) }, 0)).toBeNull();
    const [item] = alertmanagerItems({ alerts: [{ status: 'firing', labels: { alertname: 'A', severity: 'bogus' } }] }, 7)!;
    expect(item).toMatchObject({ rule: 'A', severity: 'warning', state: 'firing', activeSinceMs: 7, origin: 'alertmanager' });
  });
});
