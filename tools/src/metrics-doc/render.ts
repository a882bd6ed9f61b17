import { maxSeriesCount, type CataloguedMetric, type LabelValueSet, type MetricArea, type SpanDefinition } from '@consortium/telemetry';

/** What each area covers, for the reader of docs/metrics.md. */
const AREA_INTRO: Record<MetricArea, string> = {
  process: "The node process: CPU, memory, event-loop delay, garbage collection, open resources.",
  host: "The machine, as the node sees it: CPU, memory, the data directory's disk, network traffic.",
  api: 'The HTTP API: requests by route pattern, latency, requests in flight.',
  security: 'Security events: authentication, rate limiting, refused peers, invalid messages, equivocation evidence.',
  consensus: 'The BFT consensus engine: heights, rounds, steps, blocks, validators, mempool and block sync.',
  p2p: 'The libp2p host: connections, traffic per member and protocol, round-trip times, peer scores.',
  storage: "The node's LevelDB store: size on disk, write latency and volume.",
  zkp: 'Groth16 proving (the worker pool and its queue) and verification (single and batched), per circuit.',
  ceremony: 'The multi-party trusted-setup ceremony: the steps this process took in it (a member\'s contribution, the coordinator\'s open, beacon and accept, a verification), their time and outcome.',
  settlement: 'The settlement application: transactions by type and result, usage committed, statements by state, proof verdicts, disputes, anomalies, netted amounts.',
};

function spanRow(span: SpanDefinition): string {
  const attributes = Object.entries(span.attributes)
    .map(([name, meaning]) => `\`${name}\`: ${meaning}`)
    .join('<br>');
  return `| \`${span.name}\` | ${span.area} | ${escapeCell(attributes) || '-'} | ${escapeCell(span.description)} |`;
}

function describeValues(values: LabelValueSet): string {
  if (Array.isArray(values)) return values.map((value: string) => `\`${value}\``).join(', ');
  const runtime = values as Exclude<LabelValueSet, readonly string[]>;
  return `${runtime.describe} (at most ${runtime.max})`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function metricRow({ definition }: CataloguedMetric): string {
  const labels = Object.entries(definition.labels)
    .map(([label, values]) => `\`${label}\`: ${describeValues(values)}`)
    .join('<br>');
  const buckets = definition.buckets === undefined ? '' : definition.buckets.join(', ');
  return `| \`${definition.name}\` | ${definition.type} | ${definition.unit} | ${escapeCell(labels) || '-'} | ${buckets || '-'} | ${escapeCell(definition.help)} |`;
}

/** The series bound the cardinality tests hold a busy node to, derived from the catalogue. */
function cardinalityParagraph(metrics: readonly CataloguedMetric[]): string[] {
  const bound = (members: number) => maxSeriesCount({ members }, metrics);
  const seven = bound(7);
  const largest = seven.byMetric.slice(0, 3).map((metric) => `\`${metric.name}\` ${metric.series.toLocaleString('en-US')}`).join(', ');
  return [
    `**Series bound.** A node exposes at most ${seven.total.toLocaleString('en-US')} series with 7 members (${bound(5).total.toLocaleString('en-US')} with 5, ${bound(4).total.toLocaleString('en-US')} with 4):`,
    'per metric, the product over its labels of the closed list or the run-time bound (member ids: the members in genesis),',
    `times buckets + 3 for a histogram (each bucket, +Inf, _sum, _count). Largest: ${largest}. No label takes its`,
    'values from a client or a peer (routes are the registered patterns, member ids come from genesis, periods are the',
    '12 latest); the e2e test of a busy 7-member node asserts its page stays under this bound.',
  ];
}

/**
 * docs/metrics.md, generated from the catalogue of @consortium/telemetry. Deterministic: the
 * same catalogue always renders the same text, so CI can compare it with the committed file.
 */
export function renderMetricsDoc(metrics: readonly CataloguedMetric[], spans: readonly SpanDefinition[]): string {
  const areas = [...new Set(metrics.map((metric) => metric.area))];
  const sections = areas.map((area) => {
    const rows = metrics.filter((metric) => metric.area === area).map(metricRow);
    return [
      `## ${area}`,
      '',
      AREA_INTRO[area],
      '',
      '| name | type | unit | labels | buckets | help |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  });
  return [
    '# Metrics reference',
    '',
    '<!-- Generated from the catalogue in libs/telemetry by `npm run docs:metrics`. Do not edit by hand: CI fails when this file is stale. -->',
    '',
    `Every metric a consortium process exposes on \`/metrics\` (and pushes over OTLP when configured): ${metrics.length} metrics in ${areas.length} areas.`,
    'Names follow `consortium_<area>_<name>_<unit>`; counters end in `_total`. Labels are bounded: each lists its values,',
    'or what bounds it at run time. Counters and histograms whose labels are all closed lists start at zero for every',
    'combination, so rates and alert rules see 0 rather than nothing before the first event.',
    '',
    ...cardinalityParagraph(metrics),
    '',
    ...sections.flatMap((section) => [section, '']),
    '## Spans',
    '',
    `OpenTelemetry spans (${spans.length}), exported over OTLP when \`OTEL_EXPORTER_OTLP_ENDPOINT\` is set.`,
    '',
    '| name | area | attributes | what it covers |',
    '|---|---|---|---|',
    ...spans.map(spanRow),
    '',
  ].join('\n');
}
