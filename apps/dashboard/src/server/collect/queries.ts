import type { Labels } from './prom-text.js';
import type { Sample, SeriesStore } from './series-store.js';

/**
 * Small PromQL-like reads over the SeriesStore, as the derivations need them: the latest value,
 * the per-second rate and increase of a counter (resets handled as Prometheus does), and
 * quantiles and means from histogram bucket deltas. Pure functions of the store's samples.
 */

export type LabelMatch = (labels: Labels) => boolean;
const ANY: LabelMatch = () => true;

/** Increase of a counter over its samples: a drop is a restart, counted from zero. */
export function counterIncrease(samples: readonly Sample[]): number {
  let increase = 0;
  for (let i = 1; i < samples.length; i += 1) {
    const previous = samples[i - 1]!.value;
    const current = samples[i]!.value;
    increase += current >= previous ? current - previous : current;
  }
  return increase;
}

/** Per-second rate of a counter over its samples; null with fewer than two. */
export function counterRate(samples: readonly Sample[]): number | null {
  if (samples.length < 2) return null;
  const spanSeconds = (samples.at(-1)!.timeMs - samples[0]!.timeMs) / 1000;
  return spanSeconds > 0 ? counterIncrease(samples) / spanSeconds : null;
}

export interface LabelledValue {
  readonly labels: Labels;
  readonly value: number;
}

/** The newest value of each matching series, if no older than `sinceMs`. */
export function latestValues(store: SeriesStore, metric: string, sinceMs: number, match: LabelMatch = ANY): LabelledValue[] {
  const values: LabelledValue[] = [];
  for (const { labels, sample } of store.latest(metric, sinceMs)) if (match(labels)) values.push({ labels, value: sample.value });
  return values;
}

/** Per-second rate of each matching counter series over [fromMs, toMs]. */
export function rates(store: SeriesStore, metric: string, fromMs: number, toMs: number, match: LabelMatch = ANY): LabelledValue[] {
  const values: LabelledValue[] = [];
  for (const { labels, samples } of store.select(metric, fromMs, toMs)) {
    if (!match(labels)) continue;
    const rate = counterRate(samples);
    if (rate !== null) values.push({ labels, value: rate });
  }
  return values;
}

/** Increase of each matching counter series over [fromMs, toMs] (0 for a single sample). */
export function increases(store: SeriesStore, metric: string, fromMs: number, toMs: number, match: LabelMatch = ANY): LabelledValue[] {
  const values: LabelledValue[] = [];
  for (const { labels, samples } of store.select(metric, fromMs, toMs)) if (match(labels)) values.push({ labels, value: counterIncrease(samples) });
  return values;
}

/** Sums values by a key made of their labels (e.g. the member); a null key leaves the value out. */
export function sumBy(values: readonly LabelledValue[], key: (labels: Labels) => string | null): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { labels, value } of values) {
    const name = key(labels);
    if (name !== null) sums.set(name, (sums.get(name) ?? 0) + value);
  }
  return sums;
}

export function maxBy(values: readonly LabelledValue[], key: (labels: Labels) => string | null): Map<string, number> {
  const maxima = new Map<string, number>();
  for (const { labels, value } of values) {
    const name = key(labels);
    if (name !== null) maxima.set(name, Math.max(maxima.get(name) ?? Number.NEGATIVE_INFINITY, value));
  }
  return maxima;
}

/**
 * The q-quantile from cumulative bucket counts (`le` ascending, the last +Inf), interpolated
 * linearly inside the bucket as Prometheus' histogram_quantile does. Null without observations.
 */
export function bucketQuantile(q: number, buckets: readonly { readonly le: number; readonly count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const { le, count } of sorted) {
    if (count >= rank) {
      // The +Inf bucket has no upper bound: answer its lower bound, as Prometheus does.
      if (!Number.isFinite(le)) return previousLe;
      const inBucket = count - previousCount;
      return inBucket <= 0 ? le : previousLe + ((le - previousLe) * (rank - previousCount)) / inBucket;
    }
    previousLe = le;
    previousCount = count;
  }
  return previousLe;
}

/**
 * Quantiles of a histogram (`<base>_bucket`) over [fromMs, toMs], from each bucket's increase,
 * grouped by `key` (null: one group named ''). Groups without observations in the window are absent.
 */
export function histogramQuantiles(store: SeriesStore, base: string, quantiles: readonly number[], fromMs: number, toMs: number, key: (labels: Labels) => string | null, match: LabelMatch = ANY): Map<string, (number | null)[]> {
  const groups = new Map<string, Map<number, number>>();
  for (const { labels, samples } of store.select(`${base}_bucket`, fromMs, toMs)) {
    if (!match(labels)) continue;
    const group = key(labels);
    const le = Number(labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : labels['le']);
    if (group === null || Number.isNaN(le)) continue;
    const buckets = groups.get(group) ?? new Map<number, number>();
    buckets.set(le, (buckets.get(le) ?? 0) + counterIncrease(samples));
    groups.set(group, buckets);
  }
  const result = new Map<string, (number | null)[]>();
  for (const [group, buckets] of groups) {
    const list = [...buckets].map(([le, count]) => ({ le, count }));
    if ((list.find((b) => !Number.isFinite(b.le))?.count ?? 0) <= 0) continue;
    result.set(group, quantiles.map((q) => bucketQuantile(q, list)));
  }
  return result;
}

/** Mean of a histogram's observations over [fromMs, toMs] (increase of `_sum` over increase of `_count`), by `key`. */
export function histogramMeans(store: SeriesStore, base: string, fromMs: number, toMs: number, key: (labels: Labels) => string | null): Map<string, number> {
  const sums = sumBy(increases(store, `${base}_sum`, fromMs, toMs), key);
  const counts = sumBy(increases(store, `${base}_count`, fromMs, toMs), key);
  const means = new Map<string, number>();
  for (const [group, count] of counts) if (count > 0) means.set(group, (sums.get(group) ?? 0) / count);
  return means;
}
