import { listCataloguedMetrics, type CataloguedMetric } from './index.js';
import { MEMBER_IDS } from './label-sets.js';
import type { LabelValueSet, MetricDefinition } from './types.js';

/**
 * The most series a process can expose, from the catalogue alone: each label takes at most its
 * closed list or its run-time bound (member ids: the consortium's size), and a histogram's
 * series are one per bucket plus +Inf, _sum and _count. Prometheus's cost grows with series,
 * so this is the figure an operator sizes for; the conformance checks hold the labels to it.
 */

export interface SeriesBoundOptions {
  /** Members in genesis: the member-id label takes at most this many values. */
  readonly members: number;
}

function labelValuesMax(values: LabelValueSet, options: SeriesBoundOptions): number {
  if (Array.isArray(values)) return values.length;
  const runtime = values as Exclude<LabelValueSet, readonly string[]>;
  return runtime === MEMBER_IDS ? Math.min(options.members, runtime.max) : runtime.max;
}

/** Most series of one metric. */
export function seriesBound(definition: MetricDefinition, options: SeriesBoundOptions): number {
  const labelled = Object.values(definition.labels).reduce((product, values) => product * labelValuesMax(values, options), 1);
  const perLabelSet = definition.type === 'histogram' ? (definition.buckets?.length ?? 0) + 3 : 1;
  return labelled * perLabelSet;
}

export interface SeriesBudget {
  readonly total: number;
  /** Metrics by their bound, largest first. */
  readonly byMetric: readonly { readonly name: string; readonly series: number }[];
}

/** Most series of the whole catalogue for a consortium of `options.members`. */
export function maxSeriesCount(options: SeriesBoundOptions, metrics: readonly CataloguedMetric[] = listCataloguedMetrics()): SeriesBudget {
  const byMetric = metrics.map(({ definition }) => ({ name: definition.name, series: seriesBound(definition, options) })).sort((a, b) => b.series - a.series);
  return { total: byMetric.reduce((sum, metric) => sum + metric.series, 0), byMetric };
}
