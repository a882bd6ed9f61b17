import { describe, expect, it } from 'vitest';
import { bucketQuantile, changes, extrapolatedRate, overTime } from '../../src/alerts/evaluator/functions.js';
import { AlertEvaluator, alertRetentionMs, alertRules, alertSeriesNames, attachTargetLabels, evaluateCondition, seriesReaderOf, type AlertCondition, type AlertRule, type SeriesSamples } from '../../src/index.js';

const at = (values: readonly (number | null)[], intervalSeconds = 15) =>
  values.flatMap((value, i) => (value === null ? [] : [{ timeMs: i * intervalSeconds * 1000, value }]));

describe('extrapolatedRate (rate and increase)', () => {
  it('a counter covering the whole window: its rise, and per second', () => {
    const samples = at([0, 10, 20, 30, 40]);
    expect(extrapolatedRate(samples, 0, 60_000, false)).toBe(40);
    expect(extrapolatedRate(samples, 0, 60_000, true)).toBeCloseTo(40 / 60, 12);
  });

  it('adds back counter resets (the counter restarts from 0)', () => {
    expect(extrapolatedRate(at([10, 20, 5, 15, 25]), 0, 60_000, false)).toBe(10 + 5 + 10 + 10);
  });

  it('needs two samples', () => {
    expect(extrapolatedRate(at([3]), 0, 60_000, false)).toBeUndefined();
    expect(extrapolatedRate([], 0, 60_000, false)).toBeUndefined();
  });

  it('a series starting inside the window extrapolates towards its zero point, not to the edge', () => {
    // 8, 20, ..., 152 from 120 s to 300 s in a 5-minute window: the rise 144 over 180 s; the zero
    // point lies 10 s before the first sample (promtool answers 152 for this series).
    const samples = at([...Array(8).fill(null), ...Array.from({ length: 13 }, (_, i) => 8 + 12 * i)]);
    expect(extrapolatedRate(samples, 0, 300_000, false)).toBe(152);
  });

  it('a series ending early extrapolates half an interval past its last sample', () => {
    // 0..40 over 0-60 s in a window to 120 s: 60 s sampled + 7.5 s past the end.
    expect(extrapolatedRate(at([0, 10, 20, 30, 40]), 0, 120_000, false)).toBe(40 * (67.5 / 60));
  });
});

describe('changes, max_over_time, min_over_time', () => {
  it('count value changes; pick the extreme', () => {
    expect(changes(at([1, 1, 2, 2, 1, 3]))).toBe(3);
    expect(changes(at([5]))).toBe(0);
    expect(changes([])).toBeUndefined();
    expect(overTime(at([3, -2, 7, 1]), 'max')).toBe(7);
    expect(overTime(at([3, -2, 7, 1]), 'min')).toBe(-2);
    expect(overTime([], 'max')).toBeUndefined();
  });
});

describe('bucketQuantile (histogram_quantile)', () => {
  const buckets = (pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));

  it('interpolates inside the bucket holding the rank, the first bucket from 0', () => {
    expect(bucketQuantile(0.5, buckets([[1, 50], [2, 100], [Infinity, 100]]))).toBe(1);
    expect(bucketQuantile(0.75, buckets([[1, 50], [2, 100], [Infinity, 100]]))).toBe(1.5);
    expect(bucketQuantile(0.25, buckets([[1, 50], [2, 100], [Infinity, 100]]))).toBe(0.5);
    expect(bucketQuantile(0.95, buckets([[30, 0], [60, 20], [Infinity, 20]]))).toBe(58.5);
  });

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    expect(bucketQuantile(0.95, buckets([[30, 0], [60, 0], [Infinity, 20]]))).toBe(60);
  });

  it('NaN without +Inf, with one bucket or no observations; infinities outside [0, 1]', () => {
    expect(bucketQuantile(0.5, buckets([[1, 5], [2, 10]]))).toBeNaN();
    expect(bucketQuantile(0.5, buckets([[Infinity, 10]]))).toBeNaN();
    expect(bucketQuantile(0.5, buckets([[1, 0], [Infinity, 0]]))).toBeNaN();
    expect(bucketQuantile(-1, buckets([[1, 1], [Infinity, 1]]))).toBe(-Infinity);
    expect(bucketQuantile(2, buckets([[1, 1], [Infinity, 1]]))).toBe(Infinity);
  });

  it('sorts buckets and makes counts monotonic (rates of buckets scraped at slightly different times)', () => {
    expect(bucketQuantile(0.5, buckets([[Infinity, 100], [2, 99], [1, 50.5]]))).toBeCloseTo(bucketQuantile(0.5, buckets([[1, 50.5], [2, 99], [Infinity, 100]])), 12);
    expect(bucketQuantile(0.9, buckets([[1, 60], [2, 58], [Infinity, 60]]))).toBe(bucketQuantile(0.9, buckets([[1, 60], [2, 60], [Infinity, 60]])));
  });
});

function gauge(metric: string, labels: Record<string, string>, values: (number | null)[], intervalSeconds = 15): SeriesSamples {
  return { labels: { __name__: metric, ...labels }, samples: at(values, intervalSeconds) };
}

describe('evaluateCondition', () => {
  const condition: AlertCondition = { metric: 'g', value: { kind: 'instant' }, aggregate: 'max', by: ['member'], compare: '>', threshold: 5 };

  it('takes the latest sample within the 5-minute lookback, and forgets older series', () => {
    const reader = seriesReaderOf([gauge('g', { member: 'A' }, [9], 60)]);
    expect(evaluateCondition(condition, reader, 300_000)).toEqual([{ labels: { member: 'A' }, value: 9 }]);
    expect(evaluateCondition(condition, reader, 300_001)).toEqual([]);
  });

  it('aggregates each group of the by labels, and keeps those passing the comparison', () => {
    const reader = seriesReaderOf([
      gauge('g', { member: 'A', kind: 'x' }, [3]),
      gauge('g', { member: 'A', kind: 'y' }, [7]),
      gauge('g', { member: 'B', kind: 'x' }, [4]),
      gauge('other', { member: 'B' }, [100]),
    ]);
    expect(evaluateCondition(condition, reader, 0)).toEqual([{ labels: { member: 'A' }, value: 7 }]);
    expect(evaluateCondition({ ...condition, aggregate: 'sum', by: [], threshold: 13 }, reader, 0)).toEqual([{ labels: {}, value: 14 }]);
    expect(evaluateCondition({ ...condition, aggregate: 'avg', by: ['kind'], threshold: 0 }, reader, 0)).toEqual([
      { labels: { kind: 'x' }, value: 3.5 },
      { labels: { kind: 'y' }, value: 7 },
    ]);
  });

  it('applies matchers; an absent label matches as empty', () => {
    const reader = seriesReaderOf([gauge('g', { member: 'A', kind: 'x' }, [9]), gauge('g', { member: 'B' }, [9])]);
    expect(evaluateCondition({ ...condition, matchers: [{ label: 'kind', op: '!=', value: 'x' }] }, reader, 0)).toEqual([{ labels: { member: 'B' }, value: 9 }]);
    expect(evaluateCondition({ ...condition, matchers: [{ label: 'kind', op: '=~', values: ['x', 'z'] }] }, reader, 0)).toEqual([{ labels: { member: 'A' }, value: 9 }]);
  });

  it('age: seconds from a Unix-time value to now', () => {
    // Scraped at 1,050 s: the last block was made at 1,000 s; at 1,060 s it is 60 s old.
    const reader = seriesReaderOf([{ labels: { __name__: 'last_time_seconds', member: 'A' }, samples: [{ timeMs: 1_050_000, value: 1_000 }] }]);
    expect(evaluateCondition({ ...condition, metric: 'last_time_seconds', value: { kind: 'age' }, threshold: 30 }, reader, 1_060_000)).toEqual([{ labels: { member: 'A' }, value: 60 }]);
  });
});

const rule: AlertRule = {
  ...(alertRules.find((r) => r.name === 'NodeDown') as AlertRule),
  forSeconds: 30,
};

describe('AlertEvaluator', () => {
  it('pending while the condition holds for less than `for`, firing after, resolved when it stops', () => {
    const evaluator = new AlertEvaluator([rule]);
    const up = (values: (number | null)[]) => seriesReaderOf([gauge('up', { member: 'A', instance: 'a:1' }, values, 10), gauge('up', { member: 'B', instance: 'b:1' }, values.map(() => 1), 10)]);
    const reader = up([1, 0, 0, 0, 0, 1]);

    expect(evaluator.evaluate(reader, 0)).toEqual({ active: [], fired: [], resolved: [] });
    const pending = evaluator.evaluate(reader, 10_000);
    expect(pending.active).toEqual([
      {
        rule: 'NodeDown',
        severity: 'critical',
        state: 'pending',
        labels: { member: 'A', alertname: 'NodeDown', severity: 'critical' },
        summary: 'A is down',
        description: rule.description.replace('{{ $labels.member }}', 'A'),
        runbook: 'node-down',
        activeSinceMs: 10_000,
        value: 0,
      },
    ]);
    expect(pending.fired).toEqual([]);
    expect(evaluator.evaluate(reader, 30_000).active.map((a) => a.state)).toEqual(['pending']);
    const firing = evaluator.evaluate(reader, 40_000);
    expect(firing.active.map((a) => [a.state, a.activeSinceMs])).toEqual([['firing', 10_000]]);
    expect(firing.fired.map((a) => a.labels['member'])).toEqual(['A']);
    expect(evaluator.evaluate(reader, 45_000).fired).toEqual([]); // reported once
    const resolved = evaluator.evaluate(reader, 50_000);
    expect(resolved.active).toEqual([]);
    expect(resolved.resolved.map((a) => [a.labels['member'], a.state])).toEqual([['A', 'firing']]);
  });

  it('drops a pending alert silently, and starts over when the condition returns', () => {
    const evaluator = new AlertEvaluator([rule]);
    const reader = seriesReaderOf([gauge('up', { member: 'A' }, [0, 1, 0, 0], 10)]);
    evaluator.evaluate(reader, 0);
    expect(evaluator.evaluate(reader, 10_000)).toEqual({ active: [], fired: [], resolved: [] });
    expect(evaluator.evaluate(reader, 20_000).active.map((a) => a.activeSinceMs)).toEqual([20_000]);
  });

  it('fires at once with `for` 0', () => {
    const evaluator = new AlertEvaluator([{ ...rule, forSeconds: 0 }]);
    expect(evaluator.evaluate(seriesReaderOf([gauge('up', { member: 'A' }, [0])]), 0).fired.map((a) => a.state)).toEqual(['firing']);
  });

  it('refuses evaluation times that go back', () => {
    const evaluator = new AlertEvaluator();
    evaluator.evaluate(seriesReaderOf([]), 1_000);
    expect(() => evaluator.evaluate(seriesReaderOf([]), 999)).toThrow(RangeError);
  });

  it('evaluates the shipped rules by default', () => {
    const evaluator = new AlertEvaluator();
    const reader = seriesReaderOf([gauge('up', { member: 'A', instance: 'a:1' }, [0]), gauge('consortium_host_data_disk_bytes', { member: 'A', state: 'free' }, [1])]);
    expect(evaluator.evaluate(reader, 0).active.map((a) => a.rule).sort()).toEqual(['DiskSpaceLow', 'NodeDown']);
  });
});

describe('attachTargetLabels', () => {
  it('adds the target labels and keeps a colliding scraped label as exported_<name>', () => {
    expect(attachTargetLabels({ __name__: 'consortium_consensus_missed_blocks_total', member: 'Vodafone-UK' }, { member: 'Orange-FR', instance: '127.0.0.1:4101' })).toEqual({
      __name__: 'consortium_consensus_missed_blocks_total',
      exported_member: 'Vodafone-UK',
      member: 'Orange-FR',
      instance: '127.0.0.1:4101',
    });
    expect(attachTargetLabels({ __name__: 'up_time', kind: 'x' }, { member: 'A' })).toEqual({ __name__: 'up_time', kind: 'x', member: 'A' });
  });
});

describe('the shipped rules at the dashboard\'s pace (a scrape and an evaluation every second)', () => {
  const target = { member: 'Orange-FR', instance: '127.0.0.1:4101' };

  /** Steps one evaluator second by second over series made by `valueAt(metric labels, second)`. */
  function firstFiring(ruleName: string, seconds: number, series: { labels: Record<string, string>; valueAt: (second: number) => number | null }[]) {
    const evaluator = new AlertEvaluator(alertRules.filter((r) => r.name === ruleName));
    const store: SeriesSamples[] = series.map(({ labels }) => ({ labels, samples: [] }));
    for (let second = 0; second <= seconds; second++) {
      series.forEach(({ valueAt }, i) => {
        const value = valueAt(second);
        if (value !== null) (store[i]?.samples as { timeMs: number; value: number }[]).push({ timeMs: second * 1000, value });
      });
      if (evaluator.evaluate(seriesReaderOf(store), second * 1000).fired.length > 0) return second;
    }
    return null;
  }

  it('NodeDown: a node killed at 60 s fires at 70 s (for: 10s)', () => {
    expect(firstFiring('NodeDown', 120, [{ labels: { __name__: 'up', ...target }, valueAt: (s) => (s < 60 ? 1 : 0) }])).toBe(70);
  });

  it('AuthFailureSpike: 20 bad credentials over 3 s fire within 2 s; 5 a minute never do', () => {
    const burst = (s: number) => (s < 60 ? 0 : Math.min(20, Math.ceil(((s - 59) * 20) / 3)));
    const success = (s: number) => s * 40;
    expect(
      firstFiring('AuthFailureSpike', 120, [
        { labels: { __name__: 'consortium_security_auth_attempts_total', ...target, outcome: 'bad_credentials' }, valueAt: burst },
        { labels: { __name__: 'consortium_security_auth_attempts_total', ...target, outcome: 'success' }, valueAt: success },
      ]),
    ).toBeLessThanOrEqual(62);
    expect(
      firstFiring('AuthFailureSpike', 600, [
        { labels: { __name__: 'consortium_security_auth_attempts_total', ...target, outcome: 'bad_credentials' }, valueAt: (s) => Math.floor(s / 12) },
        { labels: { __name__: 'consortium_security_auth_attempts_total', ...target, outcome: 'success' }, valueAt: success },
      ]),
    ).toBeNull();
  });
});

describe('what a collector keeps for the rules', () => {
  it('the series names, with _bucket for quantiles, and the longest window', () => {
    const names = alertSeriesNames();
    expect(names).toContain('up');
    expect(names).toContain('consortium_consensus_block_interval_seconds_bucket');
    expect(names).not.toContain('consortium_consensus_block_interval_seconds');
    expect(alertRetentionMs()).toBe(15 * 60_000);
    expect(alertRetentionMs([])).toBe(5 * 60_000);
  });
});
