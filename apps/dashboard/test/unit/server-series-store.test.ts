import { describe, expect, it } from 'vitest';
import { bucketQuantile, counterIncrease, counterRate, histogramQuantiles } from '../../src/server/collect/queries.js';
import { labelsKey, SeriesStore } from '../../src/server/collect/series-store.js';

describe('SeriesStore', () => {
  it('selects a window of a series, keyed by its label set whatever the order', () => {
    const store = new SeriesStore({ retentionMs: 60_000, seriesMax: 10 });
    for (let t = 0; t < 10; t += 1) store.append('m', { a: '1', b: '2' }, t * 1000, t);
    store.append('m', { b: '2', a: '1' }, 10_000, 10);
    expect(labelsKey({ b: '2', a: '1' })).toBe(labelsKey({ a: '1', b: '2' }));
    const [series] = [...store.select('m', 3_000, 5_000)];
    expect(series?.samples.map((s) => s.value)).toEqual([3, 4, 5]);
    expect(store.seriesCount).toBe(1);
    expect([...store.select('absent', 0, 10_000)]).toEqual([]);
  });

  it('ignores a sample older than the newest, prunes past the retention and drops emptied series', () => {
    const store = new SeriesStore({ retentionMs: 5_000, seriesMax: 10 });
    store.append('m', {}, 2_000, 1);
    store.append('m', {}, 1_000, 9);
    store.append('old', {}, 0, 1);
    expect(store.sampleCount).toBe(2);
    store.prune(6_500);
    expect([...store.select('m', 0, 10_000)][0]?.samples).toEqual([{ timeMs: 2_000, value: 1 }]);
    expect(store.seriesCount).toBe(1);
    store.prune(8_000);
    expect(store.seriesCount).toBe(0);
  });

  it('stores at most seriesMax series and counts the ones it refused', () => {
    const store = new SeriesStore({ retentionMs: 5_000, seriesMax: 3 });
    for (let i = 0; i < 5; i += 1) store.append('m', { i: String(i) }, 1_000, i);
    expect(store.seriesCount).toBe(3);
    expect(store.refusedSeries).toBe(2);
    store.append('m', { i: '0' }, 2_000, 5);
    expect(store.seriesCount).toBe(3);
  });
});

describe('counter and histogram reads', () => {
  it('counts a counter reset as a restart from zero', () => {
    const samples = [0, 5, 10, 2, 4].map((value, i) => ({ timeMs: i * 1000, value }));
    expect(counterIncrease(samples)).toBe(14);
    expect(counterRate(samples)).toBe(3.5);
    expect(counterRate(samples.slice(0, 1))).toBeNull();
  });

  it('interpolates a quantile inside its bucket as histogram_quantile does', () => {
    const buckets = [
      { le: 0.1, count: 10 },
      { le: 0.5, count: 30 },
      { le: 1, count: 40 },
      { le: Number.POSITIVE_INFINITY, count: 40 },
    ];
    expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.3);
    expect(bucketQuantile(0.25, buckets)).toBeCloseTo(0.1);
    expect(bucketQuantile(0.95, buckets)).toBeCloseTo(0.9);
    expect(bucketQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
    expect(bucketQuantile(0.99, [{ le: 1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 10 }])).toBe(1);
  });

  it('takes percentiles from the bucket increase over the window, not from the totals', () => {
    const store = new SeriesStore({ retentionMs: 60_000, seriesMax: 100 });
    // Before the window: 100 fast observations; in it: 10 slow ones.
    for (const [le, before, after] of [['0.1', 100, 100], ['1', 100, 110], ['+Inf', 100, 110]] as const) {
      store.append('h_bucket', { le, member: 'A' }, 0, before);
      store.append('h_bucket', { le, member: 'A' }, 10_000, after);
    }
    const p50 = histogramQuantiles(store, 'h', [0.5], 0, 10_000, () => '').get('');
    expect(p50?.[0]).toBeCloseTo(0.55);
  });
});
