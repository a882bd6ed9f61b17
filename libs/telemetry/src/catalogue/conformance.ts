import type { Registry } from 'prom-client';
import { metricFamilyNames, splitMetricFamilies } from '../metrics/exposition.js';
import { listCataloguedMetrics } from './index.js';
import { MEMBER_IDS } from './label-sets.js';
import type { MetricDefinition } from './types.js';

/**
 * Checks of what a process really exposes against what the catalogue promises. Tests run
 * them on a fully wired process; a metric created outside the catalogue, a label value outside
 * its set, or a runtime label over its bound is reported by name.
 */

function definitionsByName(): Map<string, MetricDefinition> {
  return new Map(listCataloguedMetrics().map(({ definition }) => [definition.name, definition]));
}

/** Metric families on a /metrics page that the catalogue does not define. */
export function findUncataloguedMetrics(pageText: string): string[] {
  const known = definitionsByName();
  return metricFamilyNames(pageText).filter((name) => !known.has(name));
}

type SeriesJson = { name: string; values: { labels: Record<string, string | number> }[] };

/** Label names or values that break the catalogue's promises, one sentence each. */
export async function findLabelViolations(registry: Registry): Promise<string[]> {
  const known = definitionsByName();
  const problems: string[] = [];
  for (const metric of (await registry.getMetricsAsJSON()) as unknown as SeriesJson[]) {
    const definition = known.get(metric.name);
    if (definition === undefined) {
      problems.push(`${metric.name}: not in the catalogue`);
      continue;
    }
    const seen = new Map<string, Set<string>>();
    for (const { labels } of metric.values) {
      for (const [label, raw] of Object.entries(labels)) {
        if (label === 'le') continue;
        const value = String(raw);
        const allowed = definition.labels[label];
        if (allowed === undefined) {
          problems.push(`${metric.name}: label ${label} is not declared`);
        } else if (Array.isArray(allowed) && !allowed.includes(value)) {
          problems.push(`${metric.name}: ${label}="${value}" is outside ${JSON.stringify(allowed)}`);
        }
        let values = seen.get(label);
        if (values === undefined) seen.set(label, (values = new Set()));
        values.add(value);
      }
    }
    for (const [label, values] of seen) {
      const allowed = definition.labels[label];
      if (allowed !== undefined && !Array.isArray(allowed) && 'max' in allowed && values.size > allowed.max) {
        problems.push(`${metric.name}: label ${label} has ${values.size} values, more than the bound ${allowed.max} (${allowed.describe})`);
      }
    }
  }
  return [...new Set(problems)];
}

/** One sample line of an exposition page: its family (from the HELP/TYPE lines above it) and labels. */
export interface PageSeries {
  readonly family: string;
  readonly sample: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The sample's value (NaN, +Inf and -Inf as Number parses them). */
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescapeLabel = (value: string) => value.replace(/\\(.)/g, (_match, char: string) => (char === 'n' ? '\n' : char));

/** Every series (sample line) of a /metrics page, by family. */
export function parsePageSeries(pageText: string): PageSeries[] {
  const series: PageSeries[] = [];
  for (const { name: family, text } of splitMetricFamilies(pageText)) {
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = SAMPLE_LINE.exec(line);
      if (match === null) continue;
      const labels: Record<string, string> = {};
      for (const [, label, value] of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[label!] = unescapeLabel(value!);
      series.push({ family, sample: match[1]!, labels, value: Number(match[3]!) });
    }
  }
  return series;
}

/**
 * What a /metrics page (of another process) does against the catalogue's label promises: a
 * label not declared, a value outside its closed list, more values than a run-time bound.
 * `memberIds`, when given, is the genesis member list that every member-id label must come from.
 */
export function findPageLabelViolations(pageText: string, options: { readonly memberIds?: readonly string[] } = {}): string[] {
  const known = definitionsByName();
  const problems: string[] = [];
  const seen = new Map<string, Set<string>>();
  for (const { family, labels } of parsePageSeries(pageText)) {
    const definition = known.get(family);
    if (definition === undefined) {
      problems.push(`${family}: not in the catalogue`);
      continue;
    }
    for (const [label, value] of Object.entries(labels)) {
      if (label === 'le' && definition.type === 'histogram') continue;
      const allowed = definition.labels[label];
      if (allowed === undefined) problems.push(`${family}: label ${label} is not declared`);
      else if (Array.isArray(allowed) && !allowed.includes(value)) problems.push(`${family}: ${label}="${value}" is outside ${JSON.stringify(allowed)}`);
      else if (allowed === MEMBER_IDS && options.memberIds !== undefined && !options.memberIds.includes(value)) problems.push(`${family}: ${label}="${value}" is not a genesis member`);
      const key = `${family}\u0000${label}`;
      let values = seen.get(key);
      if (values === undefined) seen.set(key, (values = new Set()));
      values.add(value);
    }
  }
  for (const [key, values] of seen) {
    const [family, label] = key.split('\u0000') as [string, string];
    const allowed = known.get(family)?.labels[label];
    if (allowed !== undefined && !Array.isArray(allowed) && 'max' in allowed && values.size > allowed.max) {
      problems.push(`${family}: label ${label} has ${values.size} values, more than the bound ${allowed.max} (${allowed.describe})`);
    }
  }
  return [...new Set(problems)];
}
