import type { AlertCondition, LabelMatcher } from './types.js';

/**
 * PromQL from a condition: a pure function, so the rules file and the dashboard's evaluator
 * read the same data. Label values are plain identifiers (checked), so no quoting or regex
 * escaping is ever needed.
 */
export function conditionToPromQL(condition: AlertCondition): string {
  const { value } = condition;
  const by = `by (${condition.by.join(', ')})`;
  if (value.kind === 'quantile') {
    const buckets = selector(`${condition.metric}_bucket`, condition.matchers ?? []);
    const inner = `sum by (${['le', ...condition.by].join(', ')}) (rate(${buckets}[${formatDuration(value.windowSeconds)}]))`;
    return `histogram_quantile(${formatNumber(value.quantile)}, ${inner}) ${condition.compare} ${formatNumber(condition.threshold)}`;
  }
  const series = selector(condition.metric, condition.matchers ?? []);
  let inner: string;
  switch (value.kind) {
    case 'instant':
      inner = series;
      break;
    case 'age':
      inner = `time() - ${series}`;
      break;
    case 'range':
      inner = `${value.fn}(${series}[${formatDuration(value.windowSeconds)}])`;
      break;
  }
  return `${condition.aggregate} ${by} (${inner}) ${condition.compare} ${formatNumber(condition.threshold)}`;
}

const PLAIN_VALUE = /^[A-Za-z0-9_+-]+$/;

function selector(metric: string, matchers: readonly LabelMatcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map(formatMatcher).join(', ')}}`;
}

function formatMatcher(matcher: LabelMatcher): string {
  const values = 'value' in matcher ? [matcher.value] : matcher.values;
  for (const value of values) {
    if (!PLAIN_VALUE.test(value)) throw new RangeError(`label value ${JSON.stringify(value)} of ${matcher.label} is not a plain identifier`);
  }
  return `${matcher.label}${matcher.op}"${values.join('|')}"`;
}

/** Prometheus durations: the largest whole unit (`2m`, `90s`, `1h`). */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`a duration is whole seconds, got ${seconds}`);
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`a threshold is a finite number, got ${value}`);
  return String(value);
}
