import { describe, expect, it } from 'vitest';
import { conditionToPromQL, formatDuration, parseSeriesValues, SeriesNotationError, type AlertCondition } from '../../src/index.js';

const base: AlertCondition = { metric: 'up', value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '==', threshold: 0 };

describe('conditionToPromQL', () => {
  it('an instant value, aggregated by labels', () => {
    expect(conditionToPromQL(base)).toBe('max by (member) (up) == 0');
  });

  it('each range function over its window', () => {
    for (const fn of ['rate', 'increase', 'changes', 'max_over_time', 'min_over_time'] as const) {
      expect(conditionToPromQL({ ...base, metric: 'x_total', value: { kind: 'range', fn, windowSeconds: 300 }, aggregate: 'sum', compare: '>', threshold: 3 })).toBe(
        `sum by (member) (${fn}(x_total[5m])) > 3`,
      );
    }
  });

  it('equal, not-equal, regex and negative-regex matchers over closed values', () => {
    const condition: AlertCondition = {
      ...base,
      metric: 'x_total',
      matchers: [
        { label: 'a', op: '=', value: 'one' },
        { label: 'b', op: '!=', value: 'two' },
        { label: 'c', op: '=~', values: ['failed', 'timeout'] },
        { label: 'd', op: '!~', values: ['success'] },
      ],
    };
    expect(conditionToPromQL(condition)).toBe('max by (member) (x_total{a="one", b!="two", c=~"failed|timeout", d!~"success"}) == 0');
  });

  it('refuses label values that would need quoting or regex escaping', () => {
    expect(() => conditionToPromQL({ ...base, matchers: [{ label: 'a', op: '=~', values: ['a.b'] }] })).toThrow(RangeError);
    expect(() => conditionToPromQL({ ...base, matchers: [{ label: 'a', op: '=', value: 'a"b' }] })).toThrow(RangeError);
  });

  it('age: seconds since the value, a Unix time', () => {
    expect(conditionToPromQL({ ...base, metric: 'last_time_seconds', value: { kind: 'age' }, compare: '>', threshold: 90 })).toBe(
      'max by (member) (time() - last_time_seconds) > 90',
    );
  });

  it('a histogram quantile sums the buckets by le and the grouping labels', () => {
    expect(conditionToPromQL({ ...base, metric: 'x_seconds', value: { kind: 'quantile', quantile: 0.95, windowSeconds: 600 }, aggregate: 'sum', compare: '>=', threshold: 60 })).toBe(
      'histogram_quantile(0.95, sum by (le, member) (rate(x_seconds_bucket[10m]))) >= 60',
    );
  });

  it('aggregation over everything, each comparison, fractional and large thresholds', () => {
    expect(conditionToPromQL({ ...base, by: [], compare: '!=', threshold: 0.5 })).toBe('max by () (up) != 0.5');
    for (const compare of ['>', '>=', '<', '<=', '==', '!='] as const) expect(conditionToPromQL({ ...base, compare })).toBe(`max by (member) (up) ${compare} 0`);
    expect(conditionToPromQL({ ...base, threshold: 2 * 1024 ** 3 })).toBe('max by (member) (up) == 2147483648');
    expect(() => conditionToPromQL({ ...base, threshold: Infinity })).toThrow(RangeError);
  });
});

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect([0, 10, 90, 120, 600, 3600, 5400].map(formatDuration)).toEqual(['0s', '10s', '90s', '2m', '10m', '1h', '90m']);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
  });
});

describe('parseSeriesValues (promtool notation)', () => {
  it('expands a+bxn, a-bxn and axn to n+1 values', () => {
    expect(parseSeriesValues('0+1x3')).toEqual([0, 1, 2, 3]);
    expect(parseSeriesValues('1-2x4')).toEqual([1, -1, -3, -5, -7]);
    expect(parseSeriesValues('-2+4x3')).toEqual([-2, 2, 6, 10]);
    expect(parseSeriesValues('7x2')).toEqual([7, 7, 7]);
  });

  it('reads plain values, _ and _xn as missing samples', () => {
    expect(parseSeriesValues('1 _ 3 _x2 0.5')).toEqual([1, null, 3, null, null, 0.5]);
  });

  it('refuses what it does not know, and a series too long', () => {
    expect(() => parseSeriesValues('1 stale')).toThrow(SeriesNotationError);
    expect(() => parseSeriesValues('1e3')).toThrow(SeriesNotationError);
    expect(() => parseSeriesValues('0+1x1000')).toThrow(SeriesNotationError);
  });
});
