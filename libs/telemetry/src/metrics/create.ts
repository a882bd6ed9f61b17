import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AreaDefinitions, LabelSpec, LabelValuesOf, MetricDefinition } from '../catalogue/types.js';

/**
 * Typed views of prom-client's metric classes. They narrow prom-client's signatures to the
 * label names and (for closed sets) label values the catalogue declares, so a typo in a label
 * is a compile error. The objects are prom-client's own: no wrapper on the hot path.
 */
type WithLabels<L, Rest extends unknown[]> = keyof L extends never ? Rest : [labels: L, ...Rest];

export interface CounterChild {
  inc(value?: number): void;
}
export interface CounterMetric<L> {
  inc(...args: WithLabels<L, [value?: number]>): void;
  /** The series for one label set; keep it on hot paths to skip the label lookup. */
  labels(labels: L): CounterChild;
  remove(labels: L): void;
  reset(): void;
}

export interface GaugeChild {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
export interface GaugeMetric<L> {
  set(...args: WithLabels<L, [value: number]>): void;
  inc(...args: WithLabels<L, [value?: number]>): void;
  dec(...args: WithLabels<L, [value?: number]>): void;
  labels(labels: L): GaugeChild;
  remove(labels: L): void;
  reset(): void;
}

export interface HistogramChild {
  observe(value: number): void;
  /** Starts a timer; calling the result observes the elapsed seconds and returns them. */
  startTimer(): () => number;
}
export interface HistogramMetric<L> {
  observe(...args: WithLabels<L, [value: number]>): void;
  startTimer(...args: WithLabels<L, []>): () => number;
  labels(labels: L): HistogramChild;
  remove(labels: L): void;
  reset(): void;
}

type LabelsOf<D extends MetricDefinition> = LabelValuesOf<D['labels']>;

export type MetricOf<D extends MetricDefinition> = D['type'] extends 'counter'
  ? CounterMetric<LabelsOf<D>>
  : D['type'] extends 'gauge'
    ? GaugeMetric<LabelsOf<D>>
    : HistogramMetric<LabelsOf<D>>;

export type AreaMetrics<A extends AreaDefinitions> = { readonly [K in keyof A]: MetricOf<A[K]> };

function labelNames(labels: LabelSpec): string[] {
  return Object.keys(labels);
}

/** Closed label sets with at most this many combinations get every series at zero up front. */
const MAX_ZEROED_SERIES = 64;

/**
 * Every combination of a label spec whose labels are all closed lists, or null when a label
 * is known only at run time or the combinations are too many.
 */
export function closedLabelCombinations(labels: LabelSpec): Record<string, string>[] | null {
  let combinations: Record<string, string>[] = [{}];
  for (const [label, values] of Object.entries(labels)) {
    if (!Array.isArray(values)) return null;
    combinations = combinations.flatMap((partial) => values.map((value: string) => ({ ...partial, [label]: value })));
    if (combinations.length > MAX_ZEROED_SERIES) return null;
  }
  return combinations;
}

/**
 * Creates and registers one prom-client metric from its catalogue definition. Counters and
 * histograms with closed label sets start with every series at zero, so `rate()` and alert
 * rules see 0 rather than nothing until the first event (Prometheus's "avoid missing
 * metrics" advice).
 */
export function createMetric<D extends MetricDefinition>(registry: Registry, definition: D): MetricOf<D> {
  const common = {
    name: definition.name,
    help: definition.help,
    labelNames: labelNames(definition.labels),
    registers: [registry],
  };
  const zeroed = Object.keys(definition.labels).length === 0 ? null : closedLabelCombinations(definition.labels);
  switch (definition.type) {
    case 'counter': {
      const counter = new Counter(common);
      for (const labels of zeroed ?? []) counter.inc(labels, 0);
      return counter as unknown as MetricOf<D>;
    }
    case 'gauge':
      return new Gauge(common) as unknown as MetricOf<D>;
    case 'histogram': {
      const histogram = new Histogram({ ...common, buckets: [...(definition.buckets ?? [])] });
      for (const labels of zeroed ?? []) histogram.zero(labels);
      return histogram as unknown as MetricOf<D>;
    }
  }
}

/** Creates every metric of one area (Lodestar's `createXMetrics(register)` pattern). */
export function createAreaMetrics<A extends AreaDefinitions>(registry: Registry, definitions: A): AreaMetrics<A> {
  const metrics: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(definitions)) metrics[key] = createMetric(registry, definition);
  return metrics as AreaMetrics<A>;
}
