/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Resources: CPU, memory, heap, event loop, disk and network per node, over time and as the latest values. */
import { h } from 'preact';
import { CHART_SPECS, type ChartData, type ChartKey, type DashboardSnapshot } from '../../../protocol.js';
import { formatValue, UNKNOWN } from '../../format.js';
import { ChartsOf } from '../chart.js';
import { Section, Table } from '../parts.js';

const RESOURCE_CHARTS = (Object.keys(CHART_SPECS) as ChartKey[]).filter((key) => CHART_SPECS[key].view === 'resources');

/** The newest non-null value of a member's series. */
export function latestValue(chart: ChartData, series: string): number | null {
  const column = chart.values[chart.series.indexOf(series)];
  if (column === undefined) return null;
  for (let index = column.length - 1; index >= 0; index--) {
    const value = column[index];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

export function ResourcesView({ data }: { readonly data: DashboardSnapshot }) {
  const members = data.members.map((member) => member.id);
  return h(
    'div',
    null,
    h(
      Section,
      { title: 'Latest per node' },
      h(Table, {
        testid: 'resources-latest',
        columns: ['Node', ...RESOURCE_CHARTS.map((key) => CHART_SPECS[key].title)],
        rows: members.map((member) => [member, ...RESOURCE_CHARTS.map((key) => (data.charts[key] ? formatValue(CHART_SPECS[key].unit, latestValue(data.charts[key], member)) : UNKNOWN))]),
        empty: 'No member.',
      }),
    ),
    h(ChartsOf, { view: 'resources', charts: data.charts, members }),
  );
}
