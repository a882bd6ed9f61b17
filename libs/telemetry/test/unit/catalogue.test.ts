import { describe, expect, it } from 'vitest';
import { checkCatalogue, checkMetricDefinition, listCataloguedMetrics, type MetricDefinition } from '../../src/index.js';

const counter: MetricDefinition = {
  name: 'consortium_security_things_total',
  type: 'counter',
  unit: 'count',
  help: 'Things.',
  labels: {},
};

describe('metric catalogue', () => {
  it('follows the naming convention and Prometheus rules everywhere', () => {
    expect(checkCatalogue()).toEqual([]);
  });

  it('covers the areas of the issues so far', () => {
    const areas = new Set(listCataloguedMetrics().map((metric) => metric.area));
    expect([...areas].sort()).toEqual(['api', 'ceremony', 'consensus', 'host', 'p2p', 'process', 'security', 'settlement', 'storage', 'zkp']);
  });

  it('rejects a name outside its area', () => {
    expect(checkMetricDefinition('api', counter)).toEqual([
      'consortium_security_things_total: must match consortium_api_<name>_<unit>',
    ]);
  });

  it('rejects a counter without _total and a gauge with it', () => {
    expect(checkMetricDefinition('security', { ...counter, name: 'consortium_security_things' })).toContain(
      'consortium_security_things: a counter name ends in _total',
    );
    expect(checkMetricDefinition('security', { ...counter, type: 'gauge' })).toContain(
      'consortium_security_things_total: only counters end in _total',
    );
  });

  it('rejects a unit without its suffix', () => {
    expect(checkMetricDefinition('security', { ...counter, unit: 'seconds' })).toContain(
      'consortium_security_things_total: unit seconds needs the suffix _seconds',
    );
  });

  it('rejects histograms without increasing buckets, and buckets on other types', () => {
    const histogram: MetricDefinition = { ...counter, name: 'consortium_security_wait_seconds', type: 'histogram', unit: 'seconds' };
    expect(checkMetricDefinition('security', histogram)).toContain('consortium_security_wait_seconds: a histogram needs explicit buckets');
    expect(checkMetricDefinition('security', { ...histogram, buckets: [1, 1, 2] })).toContain(
      'consortium_security_wait_seconds: buckets must increase strictly',
    );
    expect(checkMetricDefinition('security', { ...counter, buckets: [1] })).toContain('consortium_security_things_total: only histograms have buckets');
  });

  it('rejects reserved or malformed label names and empty value sets', () => {
    const problems = checkMetricDefinition('security', { ...counter, labels: { le: ['a'], 'Bad-Name': ['x'], kind: [] } });
    expect(problems).toEqual([
      'consortium_security_things_total: label le is not a valid label name',
      'consortium_security_things_total: label Bad-Name is not a valid label name',
      'consortium_security_things_total: label kind needs a non-empty list of distinct values',
    ]);
  });

  it('finds a name defined twice', () => {
    const twice = [
      { area: 'security' as const, key: 'a', definition: counter },
      { area: 'security' as const, key: 'b', definition: counter },
    ];
    expect(checkCatalogue(twice)).toEqual(['consortium_security_things_total: defined twice']);
  });
});

describe('zeroed series', () => {
  it('lists every combination of closed label sets, and none for run-time or too many', async () => {
    const { closedLabelCombinations } = await import('../../src/metrics/create.js');
    expect(closedLabelCombinations({ a: ['1', '2'], b: ['x', 'y'] })).toEqual([
      { a: '1', b: 'x' },
      { a: '1', b: 'y' },
      { a: '2', b: 'x' },
      { a: '2', b: 'y' },
    ]);
    expect(closedLabelCombinations({ member: { kind: 'runtime', describe: 'members', max: 5 } })).toBeNull();
    const wide = Array.from({ length: 9 }, (_, i) => String(i));
    expect(closedLabelCombinations({ a: wide, b: wide })).toBeNull();
  });
});
