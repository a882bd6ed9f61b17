import type { Labels } from './prom-text.js';

/**
 * Raw samples of the metrics the dashboard needs (its charts, cards and the alert rules), per
 * series, for a bounded window. It is the alert evaluator's input (`SeriesReader`, the shape of
 * @consortium/telemetry's evaluator) and what every derivation reads, in scrape mode and in
 * Prometheus mode alike.
 */

export interface Sample {
  readonly timeMs: number;
  readonly value: number;
}

export interface SelectedSeries {
  readonly labels: Labels;
  readonly samples: readonly Sample[];
}

/** What the alert evaluator reads: every series of a metric with its samples in [fromMs, toMs], oldest first. */
export interface SeriesReader {
  select(metric: string, fromMs: number, toMs: number): Iterable<SelectedSeries>;
}

interface StoredSeries {
  readonly labels: Labels;
  readonly samples: Sample[];
}

export interface SeriesStoreOptions {
  /** Samples older than this (before the newest append) are dropped. */
  readonly retentionMs: number;
  /** Distinct series at most; a new series beyond it is not stored (and counted in `refusedSeries`). */
  readonly seriesMax: number;
}

/** Key of a label set: sorted names and values, so `{a,b}` and `{b,a}` are one series. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

/** Samples sorted by time, so a window is found by binary search. */
function firstIndexAtOrAfter(samples: readonly Sample[], timeMs: number): number {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (samples[middle]!.timeMs < timeMs) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class SeriesStore implements SeriesReader {
  private readonly metrics = new Map<string, Map<string, StoredSeries>>();
  private series = 0;
  private refused = 0;

  constructor(private readonly options: SeriesStoreOptions) {}

  /** Adds one sample; a sample older than the series' newest is ignored (time only moves forward). */
  append(metric: string, labels: Labels, timeMs: number, value: number): void {
    let byLabels = this.metrics.get(metric);
    if (byLabels === undefined) {
      byLabels = new Map();
      this.metrics.set(metric, byLabels);
    }
    const key = labelsKey(labels);
    let stored = byLabels.get(key);
    if (stored === undefined) {
      if (this.series >= this.options.seriesMax) {
        this.refused += 1;
        return;
      }
      stored = { labels, samples: [] };
      byLabels.set(key, stored);
      this.series += 1;
    }
    const last = stored.samples.at(-1);
    if (last !== undefined && last.timeMs >= timeMs) return;
    stored.samples.push({ timeMs, value });
  }

  /** Drops samples before `nowMs - retentionMs`, and series left empty. */
  prune(nowMs: number): void {
    const oldestMs = nowMs - this.options.retentionMs;
    for (const [metric, byLabels] of this.metrics) {
      for (const [key, stored] of byLabels) {
        const keep = firstIndexAtOrAfter(stored.samples, oldestMs);
        if (keep > 0) stored.samples.splice(0, keep);
        if (stored.samples.length === 0) {
          byLabels.delete(key);
          this.series -= 1;
        }
      }
      if (byLabels.size === 0) this.metrics.delete(metric);
    }
  }

  *select(metric: string, fromMs: number, toMs: number): Iterable<SelectedSeries> {
    const byLabels = this.metrics.get(metric);
    if (byLabels === undefined) return;
    for (const stored of byLabels.values()) {
      const from = firstIndexAtOrAfter(stored.samples, fromMs);
      const to = firstIndexAtOrAfter(stored.samples, toMs + 1);
      if (to > from) yield { labels: stored.labels, samples: stored.samples.slice(from, to) };
    }
  }

  /** The newest sample of each series of `metric` no older than `sinceMs`. */
  *latest(metric: string, sinceMs: number): Iterable<{ readonly labels: Labels; readonly sample: Sample }> {
    const byLabels = this.metrics.get(metric);
    if (byLabels === undefined) return;
    for (const stored of byLabels.values()) {
      const sample = stored.samples.at(-1);
      if (sample !== undefined && sample.timeMs >= sinceMs) yield { labels: stored.labels, sample };
    }
  }

  get seriesCount(): number {
    return this.series;
  }

  get sampleCount(): number {
    let count = 0;
    for (const byLabels of this.metrics.values()) for (const stored of byLabels.values()) count += stored.samples.length;
    return count;
  }

  /** Series not stored because the store was full. */
  get refusedSeries(): number {
    return this.refused;
  }
}
