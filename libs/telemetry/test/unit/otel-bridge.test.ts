import { DataPointType, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createApiMetrics, createSecurityMetrics } from '../../src/index.js';
import { PromClientMetricProducer } from '../../src/metrics/otel-bridge.js';

async function collectFrom(registry: Registry) {
  const producer = new PromClientMetricProducer(registry, (name) => (name.endsWith('_seconds') ? 'seconds' : 'count'), async () => {});
  const { resourceMetrics } = await producer.collect();
  return resourceMetrics.scopeMetrics[0]?.metrics ?? [];
}

describe('prom-client to OpenTelemetry bridge', () => {
  it('turns counters into monotonic cumulative sums with their labels', async () => {
    const registry = new Registry();
    createSecurityMetrics(registry).authAttemptsTotal.inc({ outcome: 'bad_credentials' }, 3);
    const metric = (await collectFrom(registry)).find((m) => m.descriptor.name === 'consortium_security_auth_attempts_total') as SumMetricData;
    expect(metric.dataPointType).toBe(DataPointType.SUM);
    expect(metric.isMonotonic).toBe(true);
    // Closed label sets start at zero, so every outcome is exported, not only the one seen.
    expect(metric.dataPoints.map((p) => [p.attributes.outcome, p.value])).toEqual([
      ['success', 0],
      ['missing_credentials', 0],
      ['bad_credentials', 3],
      ['unknown_client', 0],
      ['expired_credentials', 0],
      ['forbidden', 0],
    ]);
  });

  it('turns cumulative prom-client buckets into per-bucket OTLP counts', async () => {
    const registry = new Registry();
    const api = createApiMetrics(registry);
    for (const seconds of [0.0004, 0.003, 0.003, 20]) api.requestDurationSeconds.observe({ route: '/health', method: 'GET' }, seconds);
    const metric = (await collectFrom(registry)).find((m) => m.descriptor.name === 'consortium_api_request_duration_seconds') as HistogramMetricData;
    expect(metric.descriptor.unit).toBe('s');
    const [point] = metric.dataPoints;
    expect(point?.attributes).toEqual({ route: '/health', method: 'GET' });
    expect(point?.value.count).toBe(4);
    expect(point?.value.sum).toBeCloseTo(20.0064, 6);
    const { boundaries, counts } = point!.value.buckets;
    expect(boundaries[0]).toBe(0.0005);
    expect(counts).toHaveLength(boundaries.length + 1);
    expect(counts[0]).toBe(1); // 0.4 ms
    expect(counts[boundaries.indexOf(0.005)]).toBe(2); // two at 3 ms
    expect(counts.at(-1)).toBe(1); // 20 s is above the last bound
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
  });
});
