import { describe, expect, it } from 'vitest';
import { CHART_RANGES } from '../../src/protocol.js';
import { ChartHistory } from '../../src/server/history.js';

const members = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7'];
const capacity = { '10m': CHART_RANGES['10m'].spanMs / 1000 + 1, '6h': CHART_RANGES['6h'].spanMs / CHART_RANGES['6h'].stepMs + 1, '24h': CHART_RANGES['24h'].spanMs / CHART_RANGES['24h'].stepMs + 1 };

describe('ChartHistory', () => {
  it('stays bounded after a simulated day (and an hour) of one-second ticks, with means per downsampled step', () => {
    const history = new ChartHistory(1_000);
    const start = 1_800_000_000; // a multiple of 300 s: steps line up with the ticks
    const day = 25 * 3_600;
    for (let t = 0; t < day + 1; t += 1) history.push('height', start + t, { series: members, values: members.map((_, i) => t + i) });
    expect(history.pointCount('10m')).toBe(capacity['10m']);
    expect(history.pointCount('6h')).toBe(capacity['6h']);
    expect(history.pointCount('24h')).toBe(capacity['24h']);

    const live = history.data('height', '10m');
    expect(live.series).toEqual(members);
    expect(live.times.at(-1)).toBe(start + day);
    expect(live.values[2]!.at(-1)).toBe(day + 2);

    // The newest finished 5-minute step holds the mean of its 300 points: t from day-300 to day-1.
    const daily = history.data('height', '24h');
    expect(daily.times.at(-1)).toBe(start + day - 300);
    expect(daily.values[0]!.at(-1)).toBe(day - 300 + 149.5);
    expect(daily.times[1]! - daily.times[0]!).toBe(300);
    const sixHours = history.data('height', '6h');
    expect(sixHours.times.at(-1)).toBe(start + day - 30);
    expect(sixHours.values[6]!.at(-1)).toBe(day - 30 + 14.5 + 6);
  });

  it('keeps each series by name when the series change, reporting the change', () => {
    const history = new ChartHistory(1_000);
    expect(history.push('proofsRate', 100, { series: ['proved'], values: [1] }).seriesChanged).toBe(true);
    expect(history.push('proofsRate', 100.5, { series: ['proved'], values: [1] }).seriesChanged).toBe(false);
    expect(history.push('proofsRate', 101, { series: ['failed', 'proved'], values: [0.5, 2] }).seriesChanged).toBe(true);
    expect(history.push('proofsRate', 102, { series: ['failed', 'proved'], values: [0, 3] }).seriesChanged).toBe(false);
    expect(history.data('proofsRate', '10m')).toEqual({ series: ['failed', 'proved'], times: [100, 100.5, 101, 102], values: [[null, null, 0.5, 0], [1, 1, 2, 3]] });
  });

  it('averages only the values present in a step (null when none) and holds the live range at a faster interval', () => {
    const history = new ChartHistory(500);
    for (let i = 0; i < 61; i += 1) history.push('cpu', 1_800_000_000 + i / 2, { series: ['A'], values: [i < 30 && i % 2 === 0 ? 4 : null] });
    const sixHours = history.data('cpu', '6h');
    expect(sixHours.values[0]).toEqual([4]);
    expect(history.pointCount('10m')).toBe(61);
    const full = new ChartHistory(500);
    for (let i = 0; i < 3_000; i += 1) full.push('cpu', 1_800_000_000 + i / 2, { series: ['A'], values: [1] });
    expect(full.pointCount('10m')).toBe(CHART_RANGES['10m'].spanMs / 500 + 1);
  });
});
