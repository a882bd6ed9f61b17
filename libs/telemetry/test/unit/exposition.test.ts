import { describe, expect, it } from 'vitest';
import { mergeExpositions, metricFamilyNames, splitMetricFamilies } from '../../src/index.js';

const promText = `# HELP consortium_api_requests_in_flight HTTP requests being handled right now.
# TYPE consortium_api_requests_in_flight gauge
consortium_api_requests_in_flight 2

# HELP consortium_security_auth_attempts_total HTTP API authentication attempts by outcome.
# TYPE consortium_security_auth_attempts_total counter
consortium_security_auth_attempts_total{outcome="success"} 3
`;

const otelText = `# HELP consortium_api_requests_in_flight duplicate from OpenTelemetry
# TYPE consortium_api_requests_in_flight gauge
consortium_api_requests_in_flight 99
# HELP example_latency_seconds from an instrumentation library
# UNIT example_latency_seconds s
# TYPE example_latency_seconds histogram
example_latency_seconds_count 1
example_latency_seconds_sum 0.5
example_latency_seconds_bucket{le="1"} 1
example_latency_seconds_bucket{le="+Inf"} 1
`;

describe('exposition merge', () => {
  it('splits a page into families by their metadata lines', () => {
    const families = splitMetricFamilies(otelText);
    expect(families.map((family) => family.name)).toEqual(['consortium_api_requests_in_flight', 'example_latency_seconds']);
    expect(families[1]?.text.split('\n')).toHaveLength(7);
  });

  it('keeps one family per name, prom-client first, and reports the dropped duplicate', () => {
    const merged = mergeExpositions(promText, otelText);
    expect(merged.droppedDuplicates).toEqual(['consortium_api_requests_in_flight']);
    expect(metricFamilyNames(merged.text)).toEqual([
      'consortium_api_requests_in_flight',
      'consortium_security_auth_attempts_total',
      'example_latency_seconds',
    ]);
    expect(merged.text).toContain('consortium_api_requests_in_flight 2');
    expect(merged.text).not.toContain('consortium_api_requests_in_flight 99');
    expect(merged.text.endsWith('\n')).toBe(true);
  });

  it('renders an empty page as empty text', () => {
    expect(mergeExpositions('', '')).toEqual({ text: '', droppedDuplicates: [] });
  });
});
