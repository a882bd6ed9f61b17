import type { ActiveAlert } from '@consortium/telemetry';
import type { AlertItem, AlertSeverity, AlertsView } from '../protocol.js';
import type { SeriesReader } from './collect/series-store.js';
import { DASHBOARD_LIMITS } from './limits.js';

/**
 * The alerts view: what is active and what resolved (history, newest first, bounded), from three
 * origins. `dashboard`: the alert evaluator of @consortium/telemetry run over the SeriesStore each
 * round (injected: the rules are defined there once); `prometheus`: Prometheus' own evaluation of
 * the same rules; `alertmanager`: alerts its webhook delivers. Each change (new, firing, resolved)
 * is returned so the stream can push it at once.
 */

/**
 * One alert as the evaluator reports it: the fields of @consortium/telemetry's ActiveAlert the
 * dashboard shows (`runbook` may also be a path or URL, as Alertmanager and Prometheus give it).
 */
export type EvaluatedAlert = Pick<ActiveAlert, 'rule' | 'severity' | 'state' | 'labels' | 'summary' | 'runbook' | 'activeSinceMs'>;

export interface AlertEvaluation {
  readonly active: readonly EvaluatedAlert[];
  readonly fired: readonly EvaluatedAlert[];
  readonly resolved: readonly EvaluatedAlert[];
}

export interface AlertEvaluator {
  evaluate(reader: SeriesReader, nowMs: number): AlertEvaluation;
  /** Metrics its rules read, kept in the store beside the dashboard's own. */
  readonly metrics?: readonly string[];
}

export function alertId(rule: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .filter((name) => name !== 'alertname' && name !== 'severity')
    .sort()
    .map((name) => `${name}="${labels[name]}"`);
  return `${rule}{${parts.join(',')}}`;
}

export function runbookUrlOf(runbook: string): string {
  return /^(https?:|docs\/|\/)/.test(runbook) ? runbook : `docs/operations.md#${runbook}`;
}

export function alertItemOf(alert: EvaluatedAlert, origin: AlertItem['origin']): AlertItem {
  return {
    id: alertId(alert.rule, alert.labels),
    rule: alert.rule,
    severity: alert.severity,
    state: alert.state,
    labels: alert.labels,
    summary: alert.summary,
    runbookUrl: runbookUrlOf(alert.runbook),
    activeSinceMs: alert.activeSinceMs,
    resolvedAtMs: null,
    origin,
  };
}

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];
export const severityOf = (value: string | undefined): AlertSeverity => (SEVERITIES as readonly string[]).includes(value ?? '') ? (value as AlertSeverity) : 'warning';

export class AlertBook {
  private readonly active = new Map<string, AlertItem>();
  private readonly history: AlertItem[] = [];

  private key(item: Pick<AlertItem, 'origin' | 'id'>): string {
    return `${item.origin}\u0000${item.id}`;
  }

  private resolve(item: AlertItem, nowMs: number): AlertItem {
    this.active.delete(this.key(item));
    const resolved: AlertItem = { ...item, state: 'resolved', resolvedAtMs: nowMs };
    this.history.unshift(resolved);
    this.history.length = Math.min(this.history.length, DASHBOARD_LIMITS.alertHistoryMax);
    return resolved;
  }

  /** Makes `items` the active alerts of `origin`: returns the alerts that are new, changed state, or resolved. */
  reconcile(origin: AlertItem['origin'], items: readonly AlertItem[], nowMs: number): AlertItem[] {
    const changes: AlertItem[] = [];
    const seen = new Set<string>();
    for (const item of items.slice(0, DASHBOARD_LIMITS.activeAlertsMax)) {
      const key = this.key(item);
      seen.add(key);
      const previous = this.active.get(key);
      if (previous === undefined && this.active.size >= DASHBOARD_LIMITS.activeAlertsMax) continue;
      this.active.set(key, item);
      if (previous?.state !== item.state) changes.push(item);
    }
    for (const [key, item] of [...this.active]) if (item.origin === origin && !seen.has(key)) changes.push(this.resolve(item, nowMs));
    return changes;
  }

  /** One alert of an incremental source (Alertmanager): firing replaces, resolved ends it. */
  upsert(item: AlertItem, nowMs: number): AlertItem | null {
    const key = this.key(item);
    const previous = this.active.get(key);
    if (item.state === 'resolved') return previous === undefined ? null : this.resolve(previous, item.resolvedAtMs ?? nowMs);
    if (previous === undefined && this.active.size >= DASHBOARD_LIMITS.activeAlertsMax) return null;
    this.active.set(key, item);
    return previous?.state === item.state ? null : item;
  }

  view(): AlertsView {
    return { active: [...this.active.values()].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.activeSinceMs - b.activeSinceMs), history: [...this.history] };
  }

  /** Firing alerts per `member` label (a card is degraded while its member has one). */
  firingByMember(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const item of this.active.values()) {
      const member = item.labels['member'];
      if (item.state === 'firing' && member !== undefined) counts.set(member, (counts.get(member) ?? 0) + 1);
    }
    return counts;
  }
}

/**
 * Alerts of an Alertmanager webhook body (version 4): each with its status; null when the body is
 * not one. Bounded by DASHBOARD_LIMITS.alertmanagerAlertsMax.
 */
export function alertmanagerItems(body: unknown, nowMs: number): AlertItem[] | null {
  const alerts = (body as { alerts?: unknown } | null)?.alerts;
  if (!Array.isArray(alerts) || alerts.length > DASHBOARD_LIMITS.alertmanagerAlertsMax) return null;
  const items: AlertItem[] = [];
  for (const alert of alerts as { status?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown>; startsAt?: unknown; endsAt?: unknown }[]) {
    const labels = Object.fromEntries(Object.entries(alert.labels ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    const rule = labels['alertname'];
    if (rule === undefined) return null;
    const annotations = alert.annotations ?? {};
    const startsAt = typeof alert.startsAt === 'string' ? Date.parse(alert.startsAt) : Number.NaN;
    const endsAt = typeof alert.endsAt === 'string' ? Date.parse(alert.endsAt) : Number.NaN;
    const resolved = alert.status === 'resolved';
    items.push({
      id: alertId(rule, labels),
      rule,
      severity: severityOf(labels['severity']),
      state: resolved ? 'resolved' : 'firing',
      labels,
      summary: typeof annotations['summary'] === 'string' ? annotations['summary'] : rule,
      runbookUrl: runbookUrlOf(typeof annotations['runbook_url'] === 'string' ? annotations['runbook_url'] : typeof annotations['runbook'] === 'string' ? annotations['runbook'] : rule),
      activeSinceMs: Number.isNaN(startsAt) ? nowMs : startsAt,
      resolvedAtMs: resolved ? (Number.isNaN(endsAt) ? nowMs : endsAt) : null,
      origin: 'alertmanager',
    });
  }
  return items;
}
