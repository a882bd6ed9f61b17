import { alertRules } from '../rules.js';
import { expandTemplate } from '../template.js';
import type { AlertRule, AlertSeverity } from '../types.js';
import { evaluateCondition } from './condition.js';
import type { SeriesReader } from './series.js';

/** One alert of one rule for one label set, pending (its condition holds) or firing (held past `for`). */
export interface ActiveAlert {
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly state: 'pending' | 'firing';
  /** The aggregation's labels plus `alertname` and `severity`, as Prometheus labels the alert. */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
  /** Anchor in docs/operations.md. */
  readonly runbook: string;
  readonly activeSinceMs: number;
  readonly value: number;
}

/** `fired` and `resolved` are the changes since the previous `evaluate`. */
export interface AlertEvaluation {
  readonly active: readonly ActiveAlert[];
  readonly fired: readonly ActiveAlert[];
  readonly resolved: readonly ActiveAlert[];
}

/**
 * Evaluates the alert rules over collected series, with Prometheus's alerting-rule state machine
 * (rules/alerting.go): a label set whose condition holds becomes pending at that evaluation and
 * firing once it has held for `forSeconds` (at once when 0); one that no longer holds is dropped,
 * and reported resolved if it was firing. Call it at each collection round, times increasing.
 */
export class AlertEvaluator {
  private readonly rules: readonly AlertRule[];
  private readonly active = new Map<string, ActiveAlert>();
  private lastNowMs = -Infinity;

  constructor(rules: readonly AlertRule[] = alertRules) {
    this.rules = rules;
  }

  evaluate(reader: SeriesReader, nowMs: number): AlertEvaluation {
    if (!(nowMs >= this.lastNowMs)) throw new RangeError(`evaluation times must not go back: ${nowMs} after ${this.lastNowMs}`);
    this.lastNowMs = nowMs;
    const fired: ActiveAlert[] = [];
    const resolved: ActiveAlert[] = [];
    const seen = new Set<string>();
    for (const rule of this.rules) {
      for (const result of evaluateCondition(rule.condition, reader, nowMs)) {
        const labels = { ...result.labels, alertname: rule.name, severity: rule.severity };
        const key = alertKey(labels);
        seen.add(key);
        const previous = this.active.get(key);
        const activeSinceMs = previous?.activeSinceMs ?? nowMs;
        const holds = nowMs - activeSinceMs >= rule.forSeconds * 1000;
        const state = previous?.state === 'firing' || holds ? 'firing' : 'pending';
        const alert: ActiveAlert = {
          rule: rule.name,
          severity: rule.severity,
          state,
          labels,
          summary: expandTemplate(rule.summary, labels),
          description: expandTemplate(rule.description, labels),
          runbook: rule.runbook,
          activeSinceMs,
          value: result.value,
        };
        if (state === 'firing' && previous?.state !== 'firing') fired.push(alert);
        this.active.set(key, alert);
      }
    }
    for (const [key, alert] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      if (alert.state === 'firing') resolved.push(alert);
    }
    return { active: [...this.active.values()], fired, resolved };
  }
}

/** Label sets compare by content: names sorted. */
function alertKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((name) => [name, labels[name]]));
}
