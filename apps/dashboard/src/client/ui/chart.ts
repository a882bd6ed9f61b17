/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * One time-series chart: a uPlot instance that lives as long as the component. New data goes
 * through `setData` (no re-creation per tick); a changed series list re-creates the plot, and
 * the plot follows its container's width.
 */
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { CHART_SPECS, type ChartData, type ChartKey } from '../../protocol.js';
import { formatClock, formatDateTime, formatValue } from '../format.js';
import { seriesColour } from './colors.js';

const CHART_HEIGHT_PX = 200;

export interface ChartProps {
  readonly chartKey: ChartKey;
  readonly data: ChartData;
  readonly members: readonly string[];
}

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.times as number[], ...(data.values as (number | null)[][])];
}

/** The y axis as wide as its longest label (7 px a character at the default 12 px font), so no label is cut. */
function axisSize(_plot: uPlot, values: string[] | null): number {
  const longest = (values ?? []).reduce((max, value) => Math.max(max, value.length), 0);
  return Math.max(40, longest * 7 + 18);
}

/** Without a hovering cursor the legend shows the newest values rather than dashes. */
function showNewest(plot: uPlot): void {
  const points = plot.data[0].length;
  if (points > 0 && plot.cursor.idx == null) plot.setLegend({ idx: points - 1 }, false);
}

function options(chartKey: ChartKey, data: ChartData, members: readonly string[], widthPx: number): uPlot.Options {
  const { unit } = CHART_SPECS[chartKey];
  return {
    width: widthPx,
    height: CHART_HEIGHT_PX,
    scales: { x: { time: true } },
    legend: { live: true },
    hooks: { setCursor: [showNewest] },
    cursor: { drag: { x: false, y: false } },
    // Times in UTC like every other time on the page (uPlot's default is the browser's zone and a US format).
    series: [
      { value: (_plot: uPlot, seconds: number | null) => (seconds === null ? '' : `${formatDateTime(seconds * 1_000)} UTC`) },
      ...data.series.map((name, index) => ({
        label: name,
        stroke: seriesColour(members, name, index),
        width: 1.5,
        dash: name.endsWith('p95') ? [6, 3] : undefined,
        spanGaps: false,
        value: (_plot: uPlot, value: number | null) => formatValue(unit, value),
      })),
    ],
    axes: [{ values: (_plot: uPlot, splits: number[]) => splits.map((seconds) => formatClock(seconds * 1_000)) }, { size: axisSize, values: (_plot: uPlot, splits: number[]) => splits.map((value) => formatValue(unit, value)) }],
  };
}

export function Chart({ chartKey, data, members }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const seriesKey = data.series.join('\u0000');

  // Created when the series change (and on mount), destroyed on unmount.
  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const created = new uPlot(options(chartKey, data, members, Math.max(200, element.clientWidth)), aligned(data), element);
    plot.current = created;
    showNewest(created);
    // Resized in the next frame and only when the width changed: resizing inside the observer's
    // callback changes the layout it observes ("ResizeObserver loop" errors in the page).
    let widthPx = Math.max(200, element.clientWidth);
    let destroyed = false;
    const resize = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next === widthPx) return;
      widthPx = next;
      requestAnimationFrame(() => {
        if (!destroyed) created.setSize({ width: widthPx, height: CHART_HEIGHT_PX });
      });
    });
    resize.observe(element);
    return () => {
      destroyed = true;
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // Only a new series set re-creates the plot; new points go through setData below.
  }, [chartKey, seriesKey, members.join('\u0000')]);

  useEffect(() => {
    const current = plot.current;
    if (current === null) return;
    current.setData(aligned(data));
    showNewest(current);
  }, [data]);

  const spec = CHART_SPECS[chartKey];
  return h(
    'figure',
    { class: 'chart', 'data-testid': `chart-${chartKey}`, 'data-points': data.times.length, 'data-last-time': data.times.at(-1) ?? '' },
    h('figcaption', null, spec.title),
    h('div', { class: 'chart-plot', ref: container }),
  );
}

/** Every chart of a view, in CHART_SPECS order. */
export function ChartsOf({ view, charts, members }: { readonly view: string; readonly charts: Readonly<Record<ChartKey, ChartData>>; readonly members: readonly string[] }) {
  // A server of another version may lack a chart: it is left out rather than breaking the view.
  const keys = (Object.keys(CHART_SPECS) as ChartKey[]).filter((key) => CHART_SPECS[key].view === view && (charts[key] as ChartData | undefined) !== undefined);
  return h('div', { class: 'charts' }, ...keys.map((key) => h(Chart, { key, chartKey: key, data: charts[key], members })));
}
