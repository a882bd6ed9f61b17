import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import type { MetricUnit } from '../catalogue/types.js';

/** UCUM units, as OTLP expects them. */
const OTLP_UNIT: Record<MetricUnit, string> = {
  seconds: 's',
  bytes: 'By',
  ratio: '1',
  count: '1',
  info: '1',
};

type PromValue = { value: number; labels: Record<string, string | number>; metricName?: string };
type PromMetric = { name: string; help: string; type: string; values: PromValue[] };

function toAttributes(labels: Record<string, string | number>): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) attributes[key] = String(value);
  return attributes;
}

function histogramPoints(metric: PromMetric, startTime: HrTime, endTime: HrTime): DataPoint<Histogram>[] {
  type Group = { attributes: Attributes; bounds: Map<number, number>; sum: number; count: number };
  const groups = new Map<string, Group>();
  const groupOf = (labels: Record<string, string | number>): Group => {
    const { le: _le, ...rest } = labels;
    const key = JSON.stringify(rest);
    let group = groups.get(key);
    if (group === undefined) {
      group = { attributes: toAttributes(rest), bounds: new Map(), sum: 0, count: 0 };
      groups.set(key, group);
    }
    return group;
  };
  for (const point of metric.values) {
    const group = groupOf(point.labels);
    if (point.metricName?.endsWith('_bucket')) {
      const le = point.labels.le;
      if (le !== '+Inf') group.bounds.set(Number(le), point.value);
    } else if (point.metricName?.endsWith('_sum')) {
      group.sum = point.value;
    } else if (point.metricName?.endsWith('_count')) {
      group.count = point.value;
    }
  }
  return [...groups.values()].map((group) => {
    // prom-client reports cumulative bucket counts; OTLP wants the count of each bucket.
    const boundaries = [...group.bounds.keys()].sort((a, b) => a - b);
    const counts: number[] = [];
    let below = 0;
    for (const bound of boundaries) {
      const cumulative = group.bounds.get(bound) ?? below;
      counts.push(cumulative - below);
      below = cumulative;
    }
    counts.push(group.count - below);
    return {
      startTime,
      endTime,
      attributes: group.attributes,
      value: { buckets: { boundaries, counts }, sum: group.sum, count: group.count },
    };
  });
}

/** Converts one prom-client metric to OTLP metric data (cumulative temporality). */
export function toOtelMetricData(metric: PromMetric, unit: MetricUnit, startTime: HrTime, endTime: HrTime): MetricData | null {
  const descriptor = { name: metric.name, description: metric.help, unit: OTLP_UNIT[unit], valueType: ValueType.DOUBLE };
  const temporality = AggregationTemporality.CUMULATIVE;
  const simplePoints = (): DataPoint<number>[] =>
    metric.values.map((point) => ({ startTime, endTime, attributes: toAttributes(point.labels), value: point.value }));
  switch (metric.type) {
    case 'counter':
      return { descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: simplePoints() };
    case 'gauge':
      return { descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.GAUGE, dataPoints: simplePoints() };
    case 'histogram':
      return { descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: histogramPoints(metric, startTime, endTime) };
    default:
      return null; // summaries are not used by the catalogue
  }
}

/**
 * Lets an OpenTelemetry metric reader (the OTLP exporter) read the prom-client registry, so
 * the catalogue's metrics are pushed over OTLP as well as scraped from /metrics, without
 * recording anything twice.
 */
export class PromClientMetricProducer implements MetricProducer {
  private readonly startTime: HrTime = hrTime();

  constructor(
    private readonly registry: Registry,
    private readonly unitOf: (name: string) => MetricUnit,
    private readonly beforeRead: () => Promise<void>,
  ) {}

  async collect(): Promise<CollectionResult> {
    await this.beforeRead();
    const endTime = hrTime();
    const metrics = (await this.registry.getMetricsAsJSON()) as unknown as PromMetric[];
    const data = metrics
      .map((metric) => toOtelMetricData(metric, this.unitOf(metric.name), this.startTime, endTime))
      .filter((metric): metric is MetricData => metric !== null);
    return {
      // The reader replaces this with the MeterProvider's resource.
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: '@consortium/telemetry' }, metrics: data }] },
      errors: [],
    };
  }
}
