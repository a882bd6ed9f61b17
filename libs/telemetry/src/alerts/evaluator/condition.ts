import type { AlertCondition, Aggregation, Comparison, LabelMatcher } from '../types.js';
import { bucketQuantile, changes, extrapolatedRate, overTime, type Bucket } from './functions.js';
import type { Sample, SeriesReader, SeriesSamples } from './series.js';

/** Prometheus's lookback for an instant selector: a series without a sample this recent is gone. */
export const LOOKBACK_MS = 5 * 60_000;

/** One element of a condition's result: the aggregation's labels and the value that passed. */
export interface ConditionResult {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Evaluates a condition at `nowMs` as Prometheus evaluates its PromQL (conditionToPromQL):
 * select and match, apply the function per series, aggregate by the `by` labels, keep the
 * groups whose value passes the comparison.
 */
export function evaluateCondition(condition: AlertCondition, reader: SeriesReader, nowMs: number): ConditionResult[] {
  const values = condition.value.kind === 'quantile' ? quantiles(condition, reader, nowMs) : aggregated(condition, reader, nowMs);
  return values.filter(({ value }) => compare(value, condition.compare, condition.threshold));
}

function aggregated(condition: AlertCondition, reader: SeriesReader, nowMs: number): ConditionResult[] {
  const { value } = condition;
  const windowMs = value.kind === 'range' ? value.windowSeconds * 1000 : LOOKBACK_MS;
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const series of selectSeries(reader, condition.metric, condition.matchers ?? [], nowMs - windowMs, nowMs)) {
    let result: number | undefined;
    if (value.kind === 'range') {
      result = rangeFunction(value.fn, series.samples, nowMs - windowMs, nowMs);
    } else {
      const latest = series.samples[series.samples.length - 1];
      if (latest !== undefined) result = value.kind === 'age' ? nowMs / 1000 - latest.value : latest.value;
    }
    if (result === undefined) continue;
    addToGroup(groups, series.labels, condition.by, result);
  }
  return [...groups.values()].map(({ labels, values }) => ({ labels, value: aggregate(condition.aggregate, values) }));
}

/** `histogram_quantile(q, sum by (le, <by>) (rate(<metric>_bucket[w])))`. */
function quantiles(condition: AlertCondition, reader: SeriesReader, nowMs: number): ConditionResult[] {
  if (condition.value.kind !== 'quantile') throw new TypeError('not a quantile condition');
  const { quantile, windowSeconds } = condition.value;
  const startMs = nowMs - windowSeconds * 1000;
  const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, number> }>();
  for (const series of selectSeries(reader, `${condition.metric}_bucket`, condition.matchers ?? [], startMs, nowMs)) {
    const le = series.labels['le'];
    if (le === undefined) continue;
    const upperBound = Number(le === '+Inf' ? Infinity : le);
    if (Number.isNaN(upperBound)) continue;
    const rate = extrapolatedRate(series.samples, startMs, nowMs, true);
    if (rate === undefined) continue;
    const labels = pick(series.labels, condition.by);
    const key = JSON.stringify(labels);
    const group = groups.get(key) ?? { labels, buckets: new Map<number, number>() };
    group.buckets.set(upperBound, (group.buckets.get(upperBound) ?? 0) + rate);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ labels, buckets }) => {
    const list: Bucket[] = [...buckets].map(([upperBound, count]) => ({ upperBound, count }));
    return { labels, value: bucketQuantile(quantile, list) };
  });
}

/** Series of `metric` matching every matcher, with their samples in [fromMs, toMs] (NaN values dropped). */
function* selectSeries(reader: SeriesReader, metric: string, matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Generator<SeriesSamples> {
  for (const series of reader.select(metric, fromMs, toMs)) {
    if (!matchers.every((matcher) => matches(matcher, series.labels[matcher.label] ?? ''))) continue;
    const samples = series.samples.filter((s) => s.timeMs >= fromMs && s.timeMs <= toMs && !Number.isNaN(s.value));
    if (samples.length > 0) yield { labels: series.labels, samples };
  }
}

function matches(matcher: LabelMatcher, actual: string): boolean {
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return matcher.values.includes(actual);
    case '!~':
      return !matcher.values.includes(actual);
  }
}

function rangeFunction(fn: 'rate' | 'increase' | 'changes' | 'max_over_time' | 'min_over_time', samples: readonly Sample[], startMs: number, endMs: number): number | undefined {
  switch (fn) {
    case 'rate':
      return extrapolatedRate(samples, startMs, endMs, true);
    case 'increase':
      return extrapolatedRate(samples, startMs, endMs, false);
    case 'changes':
      return changes(samples);
    case 'max_over_time':
      return overTime(samples, 'max');
    case 'min_over_time':
      return overTime(samples, 'min');
  }
}

/** The `by` labels of a series; an absent or empty label is left out, as PromQL does. */
function pick(labels: Readonly<Record<string, string>>, by: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of [...by].sort()) {
    const value = labels[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

function addToGroup(groups: Map<string, { labels: Record<string, string>; values: number[] }>, labels: Readonly<Record<string, string>>, by: readonly string[], value: number): void {
  const picked = pick(labels, by);
  const key = JSON.stringify(picked);
  const group = groups.get(key);
  if (group === undefined) groups.set(key, { labels: picked, values: [value] });
  else group.values.push(value);
}

function aggregate(aggregation: Aggregation, values: readonly number[]): number {
  switch (aggregation) {
    case 'sum':
      return values.reduce((total, value) => total + value, 0);
    case 'avg':
      return values.reduce((total, value) => total + value, 0) / values.length;
    case 'max':
      return values.reduce((best, value) => (Number.isNaN(best) || value > best ? value : best), NaN);
    case 'min':
      return values.reduce((best, value) => (Number.isNaN(best) || value < best ? value : best), NaN);
  }
}

/** PromQL filter comparison: a NaN value passes only `!=`. */
function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
