import type { Sample } from './series.js';

/**
 * The PromQL functions the condition language allows, as Prometheus 2.x computes them
 * (promql/functions.go and quantile.go), over the samples of one series in one window.
 */

/**
 * `rate()` and `increase()`: the counter's rise over the window, counter resets added back, then
 * extrapolated towards the window's edges as Prometheus does: to an edge when the first or last
 * sample lies within 1.1 average sample intervals of it, otherwise half an interval; never
 * before the counter's extrapolated zero. Undefined (no result) under two samples.
 */
export function extrapolatedRate(samples: readonly Sample[], rangeStartMs: number, rangeEndMs: number, isRate: boolean): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0] as Sample;
  const last = samples[samples.length - 1] as Sample;
  let result = last.value - first.value;
  let previous = 0;
  for (const sample of samples) {
    if (sample.value < previous) result += previous;
    previous = sample.value;
  }
  let durationToStart = (first.timeMs - rangeStartMs) / 1000;
  const durationToEnd = (rangeEndMs - last.timeMs) / 1000;
  const sampledInterval = (last.timeMs - first.timeMs) / 1000;
  const averageInterval = sampledInterval / (samples.length - 1);
  if (result > 0 && first.value >= 0) {
    const durationToZero = sampledInterval * (first.value / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageInterval * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
  // One factor, divided by the window for a rate, then applied: Prometheus's order of
  // operations, so both give the same double (checked against promtool bit for bit).
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

/** `changes()`: how often the value changed from one sample to the next (NaN equals NaN). */
export function changes(samples: readonly Sample[]): number | undefined {
  if (samples.length === 0) return undefined;
  let count = 0;
  for (let i = 1; i < samples.length; i++) {
    const previous = (samples[i - 1] as Sample).value;
    const current = (samples[i] as Sample).value;
    if (current !== previous && !(Number.isNaN(current) && Number.isNaN(previous))) count++;
  }
  return count;
}

/** `max_over_time()` / `min_over_time()`: NaN only when every sample is NaN. */
export function overTime(samples: readonly Sample[], pick: 'max' | 'min'): number | undefined {
  if (samples.length === 0) return undefined;
  let result = (samples[0] as Sample).value;
  for (const { value } of samples) {
    if (Number.isNaN(result) || (pick === 'max' ? value > result : value < result)) result = value;
  }
  return result;
}

export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
}

/**
 * `histogram_quantile()` over cumulative buckets (Prometheus bucketQuantile): linear
 * interpolation inside the bucket holding the rank; the lowest bucket starts at 0 when its
 * bound is positive; a rank in the +Inf bucket answers the highest finite bound. NaN without a
 * +Inf bucket, with under two buckets or with no observations.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || (sorted[sorted.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  // Buckets with the same bound are summed; counts are made monotonic (scrape races).
  const buckets: { upperBound: number; count: number }[] = [];
  for (const bucket of sorted) {
    const previous = buckets[buckets.length - 1];
    if (previous !== undefined && previous.upperBound === bucket.upperBound) previous.count += bucket.count;
    else buckets.push({ ...bucket });
  }
  let max = -Infinity;
  for (const bucket of buckets) {
    if (bucket.count > max) max = bucket.count;
    else bucket.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  const bucket = buckets[b] as Bucket;
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
  let bucketStart = 0;
  let count = bucket.count;
  if (b > 0) {
    const below = buckets[b - 1] as Bucket;
    bucketStart = below.upperBound;
    count -= below.count;
    rank -= below.count;
  }
  return bucketStart + (bucket.upperBound - bucketStart) * (rank / count);
}
