import { CHART_RANGES, type ChartData, type ChartKey, type ChartRange } from '../protocol.js';
import type { ChartPoint } from './derive/charts.js';

/**
 * Chart history in memory, bounded after any uptime: per chart, one ring per range of
 * CHART_RANGES. The 10m ring takes every collected point; the 6h and 24h rings take one point
 * per step (30 s, 5 min), the mean of the points collected in it, written when the step ends.
 * Memory is (points per ring) x (series) per chart, whatever the uptime.
 */

type Row = (number | null)[];

class Ring {
  private times: number[] = [];
  private rows: Row[] = [];

  constructor(readonly capacity: number) {}

  push(time: number, row: Row): void {
    this.times.push(time);
    this.rows.push(row);
    if (this.times.length > this.capacity) {
      this.times.shift();
      this.rows.shift();
    }
  }

  /** Re-aligns every stored row from `from` series to `to` series (by name; new series are null). */
  remap(from: readonly string[], to: readonly string[]): void {
    const index = to.map((name) => from.indexOf(name));
    this.rows = this.rows.map((row) => index.map((i) => (i < 0 ? null : (row[i] ?? null))));
  }

  data(series: readonly string[]): ChartData {
    return { series, times: [...this.times], values: series.map((_, s) => this.rows.map((row) => row[s] ?? null)) };
  }

  get length(): number {
    return this.times.length;
  }
}

/** Accumulates the points of one step and gives their mean when the step is over. */
class Downsampler {
  private stepStart: number | null = null;
  private sums: number[] = [];
  private counts: number[] = [];

  constructor(private readonly stepSeconds: number) {}

  /** Adds a point; returns the finished step's point when `time` starts a new step. */
  add(time: number, row: Row): { time: number; row: Row } | null {
    const start = Math.floor(time / this.stepSeconds) * this.stepSeconds;
    let finished: { time: number; row: Row } | null = null;
    if (this.stepStart !== null && start !== this.stepStart) {
      finished = { time: this.stepStart, row: this.sums.map((sum, i) => (this.counts[i]! > 0 ? sum / this.counts[i]! : null)) };
      this.sums = [];
      this.counts = [];
    }
    this.stepStart = start;
    row.forEach((value, i) => {
      this.sums[i] = (this.sums[i] ?? 0) + (value ?? 0);
      this.counts[i] = (this.counts[i] ?? 0) + (value === null ? 0 : 1);
    });
    return finished;
  }

  remap(from: readonly string[], to: readonly string[]): void {
    const index = to.map((name) => from.indexOf(name));
    this.sums = index.map((i) => (i < 0 ? 0 : (this.sums[i] ?? 0)));
    this.counts = index.map((i) => (i < 0 ? 0 : (this.counts[i] ?? 0)));
  }
}

interface ChartRings {
  series: readonly string[];
  readonly rings: Record<ChartRange, Ring>;
  readonly downsamplers: Partial<Record<ChartRange, Downsampler>>;
}

const RANGES = Object.keys(CHART_RANGES) as ChartRange[];
/** The range the live stream extends point by point. */
export const LIVE_RANGE: ChartRange = '10m';

const sameSeries = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((name, i) => name === b[i]);

export class ChartHistory {
  private readonly charts = new Map<ChartKey, ChartRings>();

  /** `intervalMs`: how often points come; the live ring holds its span at that rate. */
  constructor(private readonly intervalMs: number) {}

  /** A chart's rings; a new chart has no series yet, so its first point is a change of series. */
  private ringsFor(key: ChartKey): ChartRings {
    let chart = this.charts.get(key);
    if (chart === undefined) {
      const rings = {} as Record<ChartRange, Ring>;
      const downsamplers: Partial<Record<ChartRange, Downsampler>> = {};
      for (const range of RANGES) {
        const { spanMs, stepMs } = CHART_RANGES[range];
        const live = range === LIVE_RANGE;
        rings[range] = new Ring(Math.ceil(spanMs / (live ? Math.min(stepMs, this.intervalMs) : stepMs)) + 1);
        if (!live) downsamplers[range] = new Downsampler(stepMs / 1000);
      }
      chart = { series: [], rings, downsamplers };
      this.charts.set(key, chart);
    }
    return chart;
  }

  /**
   * Adds one point (time in Unix seconds). Returns whether the chart's series changed (a new
   * member, validator or outcome): the stream then sends the chart whole instead of a point.
   */
  push(key: ChartKey, time: number, point: ChartPoint): { readonly seriesChanged: boolean } {
    const chart = this.ringsFor(key);
    const seriesChanged = !sameSeries(chart.series, point.series);
    if (seriesChanged) {
      for (const range of RANGES) {
        chart.rings[range].remap(chart.series, point.series);
        chart.downsamplers[range]?.remap(chart.series, point.series);
      }
      chart.series = point.series;
    }
    for (const range of RANGES) {
      const downsampler = chart.downsamplers[range];
      if (downsampler === undefined) {
        chart.rings[range].push(time, [...point.values]);
        continue;
      }
      const finished = downsampler.add(time, [...point.values]);
      if (finished !== null) chart.rings[range].push(finished.time, finished.row);
    }
    return { seriesChanged };
  }

  data(key: ChartKey, range: ChartRange): ChartData {
    const chart = this.charts.get(key);
    return chart === undefined ? { series: [], times: [], values: [] } : chart.rings[range].data(chart.series);
  }

  /** Points held per range, over all charts (for the bound test and the dashboard's own metrics). */
  pointCount(range: ChartRange): number {
    let count = 0;
    for (const chart of this.charts.values()) count += chart.rings[range].length;
    return count;
  }
}
