import type { Registry } from 'prom-client';
import { metricFamilyNames } from '../metrics/exposition.js';
import { listCataloguedMetrics } from './index.js';
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
