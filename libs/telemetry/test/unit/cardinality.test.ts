import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createMetrics,
  findPageLabelViolations,
  listCataloguedMetrics,
  maxSeriesCount,
  MEMBER_IDS,
  parsePageSeries,
  RUNTIME_LABEL_SETS,
  seriesBound,
  type MetricDefinition,
} from '../../src/index.js';

/** No label takes its values from user input, and the catalogue's series stay countable. */
describe('label cardinality', () => {
  it('uses, for every label not listed value by value, one of the reviewed run-time sets', () => {
    const outside = listCataloguedMetrics().flatMap(({ definition }) =>
      Object.entries(definition.labels)
        .filter(([, values]) => !Array.isArray(values) && !RUNTIME_LABEL_SETS.includes(values as (typeof RUNTIME_LABEL_SETS)[number]))
        .map(([label]) => `${definition.name}: ${label}`),
    );
    expect(outside).toEqual([]);
    // What bounds each: genesis, the host, the route table, the code's circuit catalogue, the kept periods.
    expect(RUNTIME_LABEL_SETS.map((set) => set.describe)).toEqual([
      'member ids listed in genesis',
      'network interfaces of the host (from /proc/net/dev)',
      'route patterns registered on the HTTP server, or "unmatched"',
      'Node.js resource types from process.getActiveResourcesInfo()',
      'one value per process',
      'circuit names of the @consortium/circuits catalogue (e.g. settlement-64)',
      'the 12 most recently closed settlement periods (YYYY-MM)',
    ]);
  });

  it('labels by member id only where a member is meant (member, creditor)', () => {
    const memberLabels = new Set(
      listCataloguedMetrics().flatMap(({ definition }) =>
        Object.entries(definition.labels)
          .filter(([, values]) => values === MEMBER_IDS)
          .map(([label]) => label),
      ),
    );
    expect([...memberLabels].sort()).toEqual(['creditor', 'member']);
  });

  it('bounds the series of a metric by its labels, and a histogram by its buckets too', () => {
    const histogram: MetricDefinition = { name: 'consortium_p2p_x_seconds', type: 'histogram', unit: 'seconds', help: 'X.', labels: { member: MEMBER_IDS, protocol: ['a', 'b'] }, buckets: [1, 2, 3] };
    expect(seriesBound(histogram, { members: 7 })).toBe(7 * 2 * (3 + 3));
    expect(seriesBound({ ...histogram, type: 'gauge', buckets: undefined }, { members: 4 })).toBe(8);
    expect(seriesBound({ ...histogram, type: 'gauge', buckets: undefined, labels: {} }, { members: 4 })).toBe(1);
    const budget = maxSeriesCount({ members: 7 });
    expect(budget.total).toBe(budget.byMetric.reduce((sum, metric) => sum + metric.series, 0));
    expect(maxSeriesCount({ members: 4 }).total).toBeLessThan(budget.total);
  });

  it('holds a fully wired registry, every closed series zeroed, under the bound', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const page = await registry.metrics();
    const series = parsePageSeries(page);
    expect(series.length).toBeGreaterThan(0);
    expect(series.length).toBeLessThan(maxSeriesCount({ members: 7 }).total);
    expect(findPageLabelViolations(page)).toEqual([]);
  });

  it('finds, on a page, an undeclared label, a value outside its list, a non-member and too many values', () => {
    const page = [
      '# HELP consortium_p2p_peer_connected 1 while connected.',
      '# TYPE consortium_p2p_peer_connected gauge',
      'consortium_p2p_peer_connected{member="A"} 1',
      'consortium_p2p_peer_connected{member="12D3KooWstranger"} 1',
      '# HELP consortium_security_refused_peers_total Refused.',
      '# TYPE consortium_security_refused_peers_total counter',
      'consortium_security_refused_peers_total{reason="not_member",peer="x"} 1',
      'consortium_security_refused_peers_total{reason="because \\"I said\\""} 1',
      '# HELP consortium_api_requests_total Requests.',
      '# TYPE consortium_api_requests_total counter',
      ...Array.from({ length: 65 }, (_, i) => `consortium_api_requests_total{route="/r${i}",method="GET",status_class="2xx"} 1`),
    ].join('\n');
    expect(parsePageSeries(page)[3]).toEqual({ family: 'consortium_security_refused_peers_total', sample: 'consortium_security_refused_peers_total', labels: { reason: 'because "I said"' }, value: 1 });
    expect(findPageLabelViolations(page, { memberIds: ['A', 'B'] })).toEqual([
      'consortium_p2p_peer_connected: member="12D3KooWstranger" is not a genesis member',
      'consortium_security_refused_peers_total: label peer is not declared',
      'consortium_security_refused_peers_total: reason="because "I said"" is outside ["not_member","backoff"]',
      'consortium_api_requests_total: label route has 65 values, more than the bound 64 (route patterns registered on the HTTP server, or "unmatched")',
    ]);
  });
});
