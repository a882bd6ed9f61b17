import { apiMetricDefinitions } from './areas/api.js';
import { consensusMetricDefinitions } from './areas/consensus.js';
import { p2pMetricDefinitions } from './areas/p2p.js';
import { storageMetricDefinitions } from './areas/storage.js';
import { zkpMetricDefinitions } from './areas/zkp.js';
import { ceremonyMetricDefinitions } from './areas/ceremony.js';
import { hostMetricDefinitions } from './areas/host.js';
import { processMetricDefinitions } from './areas/process.js';
import { securityMetricDefinitions } from './areas/security.js';
import { settlementMetricDefinitions } from './areas/settlement.js';
import type { AreaDefinitions, MetricArea, MetricDefinition } from './types.js';

/**
 * The metric catalogue: every metric any consortium process may expose, by area. Later
 * issues add areas (consensus, p2p, storage, zkp, ceremony, settlement) here.
 */
export const metricCatalogue = {
  process: processMetricDefinitions,
  host: hostMetricDefinitions,
  api: apiMetricDefinitions,
  security: securityMetricDefinitions,
  consensus: consensusMetricDefinitions,
  p2p: p2pMetricDefinitions,
  storage: storageMetricDefinitions,
  zkp: zkpMetricDefinitions,
  ceremony: ceremonyMetricDefinitions,
  settlement: settlementMetricDefinitions,
} as const satisfies Record<MetricArea, AreaDefinitions>;

export interface CataloguedMetric {
  readonly area: MetricArea;
  readonly key: string;
  readonly definition: MetricDefinition;
}

/** Every catalogued metric, in catalogue order. */
export function listCataloguedMetrics(): CataloguedMetric[] {
  const list: CataloguedMetric[] = [];
  for (const [area, definitions] of Object.entries(metricCatalogue) as [MetricArea, AreaDefinitions][]) {
    for (const [key, definition] of Object.entries(definitions)) list.push({ area, key, definition });
  }
  return list;
}

const UNIT_SUFFIX: Record<MetricDefinition['unit'], string | null> = {
  seconds: '_seconds',
  bytes: '_bytes',
  ratio: '_ratio',
  info: '_info',
  count: null,
};

const LABEL_NAME = /^[a-z_][a-z0-9_]*$/;
const RESERVED_LABELS = new Set(['le', 'quantile']);

/**
 * Checks one definition against the naming convention `consortium_<area>_<name>_<unit>` and
 * the Prometheus rules promtool lints for. Returns the problems found (empty when fine).
 */
export function checkMetricDefinition(area: string, definition: MetricDefinition): string[] {
  const problems: string[] = [];
  const { name, type, unit } = definition;
  const say = (problem: string) => problems.push(`${name}: ${problem}`);

  if (!new RegExp(`^consortium_${area}_[a-z0-9_]+$`).test(name)) say(`must match consortium_${area}_<name>_<unit>`);
  const base = type === 'counter' ? name.replace(/_total$/, '') : name;
  if (type === 'counter' && !name.endsWith('_total')) say('a counter name ends in _total');
  if (type !== 'counter' && name.endsWith('_total')) say('only counters end in _total');
  const suffix = UNIT_SUFFIX[unit];
  if (suffix !== null && !base.endsWith(suffix)) say(`unit ${unit} needs the suffix ${suffix}`);
  if (unit === 'info' && type !== 'gauge') say('an info metric is a gauge');
  if (!definition.help.endsWith('.')) say('help is a sentence ending in a full stop');

  if (type === 'histogram') {
    const buckets = definition.buckets ?? [];
    if (buckets.length === 0) say('a histogram needs explicit buckets');
    if (buckets.some((bound, i) => i > 0 && bound <= (buckets[i - 1] as number))) say('buckets must increase strictly');
  } else if (definition.buckets !== undefined) {
    say('only histograms have buckets');
  }

  for (const [label, values] of Object.entries(definition.labels)) {
    if (!LABEL_NAME.test(label) || RESERVED_LABELS.has(label)) say(`label ${label} is not a valid label name`);
    if (Array.isArray(values) && (values.length === 0 || new Set(values).size !== values.length)) {
      say(`label ${label} needs a non-empty list of distinct values`);
    }
  }
  return problems;
}

/** Checks the whole catalogue: every definition, and no name used twice. */
export function checkCatalogue(metrics: readonly CataloguedMetric[] = listCataloguedMetrics()): string[] {
  const problems = metrics.flatMap(({ area, definition }) => checkMetricDefinition(area, definition));
  const seen = new Set<string>();
  for (const { definition } of metrics) {
    if (seen.has(definition.name)) problems.push(`${definition.name}: defined twice`);
    seen.add(definition.name);
  }
  return problems;
}
