import { listCataloguedMetrics } from '../catalogue/index.js';
import type { MetricDefinition } from '../catalogue/types.js';
import { hasOtherTemplateCode, templateLabels } from './template.js';
import type { AlertRule, LabelMatcher } from './types.js';

/** Labels every collector adds to a scraped series (Prometheus from file SD, the dashboard's scraper). */
export const TARGET_LABELS = ['member', 'instance'] as const;

/** `up`: the scrape-health series every collector writes per target; 1 scraped, 0 failed. */
const UP: MetricDefinition = { name: 'up', type: 'gauge', unit: 'count', help: 'Scrape health.', labels: {} };

const RULE_NAME = /^[A-Z][A-Za-z0-9]+$/;
const ANCHOR = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Checks rules against the catalogue, like checkCatalogue does for metrics: names, metric types
 * for each function, label names and matched values, templates, examples. Returns the problems
 * found (empty when fine); the generator refuses to write rules with problems.
 */
export function checkAlertRules(rules: readonly AlertRule[], metrics: readonly MetricDefinition[] = listCataloguedMetrics().map((m) => m.definition)): string[] {
  const problems: string[] = [];
  const byName = new Map(metrics.map((definition) => [definition.name, definition]));
  byName.set(UP.name, UP);
  const names = new Set<string>();
  for (const rule of rules) {
    const say = (problem: string) => problems.push(`${rule.name}: ${problem}`);
    if (!RULE_NAME.test(rule.name)) say('a rule name is PascalCase');
    if (names.has(rule.name)) say('defined twice');
    names.add(rule.name);
    if (!ANCHOR.test(rule.runbook)) say(`runbook anchor ${rule.runbook} is not a heading slug`);
    if (!Number.isInteger(rule.forSeconds) || rule.forSeconds < 0) say('forSeconds is a whole number of seconds');

    const { condition } = rule;
    const metric = byName.get(condition.metric);
    if (metric === undefined) {
      say(`metric ${condition.metric} is not in the catalogue`);
      continue;
    }
    const value = condition.value;
    if (value.kind === 'quantile') {
      if (metric.type !== 'histogram') say('a quantile needs a histogram');
      if (condition.aggregate !== 'sum') say('a quantile sums its buckets');
      if (!(value.quantile >= 0 && value.quantile <= 1)) say('a quantile lies in [0, 1]');
    } else if (metric.type === 'histogram') {
      say('a histogram is read through a quantile');
    }
    if (value.kind === 'range' && (value.fn === 'rate' || value.fn === 'increase') && metric.type !== 'counter') say(`${value.fn} needs a counter`);
    if ((value.kind === 'range' || value.kind === 'quantile') && !(Number.isInteger(value.windowSeconds) && value.windowSeconds > 0)) say('a window is a positive whole number of seconds');
    if (!Number.isFinite(condition.threshold)) say('the threshold is a finite number');

    for (const matcher of condition.matchers ?? []) problems.push(...checkMatcher(rule.name, metric, matcher));
    const groupable = new Set<string>([...TARGET_LABELS]);
    for (const label of Object.keys(metric.labels)) groupable.add((TARGET_LABELS as readonly string[]).includes(label) ? `exported_${label}` : label);
    for (const label of condition.by) {
      if (!groupable.has(label)) say(`cannot aggregate by ${label}: not a label of ${metric.name} (a metric's own member label is exported_member)`);
    }
    for (const text of [rule.summary, rule.description]) {
      if (hasOtherTemplateCode(text)) say('texts use no template code but {{ $labels.<name> }} label references');
      for (const label of templateLabels(text)) {
        if (!condition.by.includes(label)) say(`a text uses $labels.${label}, which the alert does not carry (not in by)`);
      }
    }
    for (const example of [rule.examples.fires, rule.examples.quiet]) {
      for (const series of example.series) {
        const family = value.kind === 'quantile' ? `${metric.name}_bucket` : metric.name;
        if (series.metric !== family) say(`example series ${series.metric} is not ${family}`);
        for (const label of TARGET_LABELS) {
          if (series.labels[label] === undefined) say(`example series lack the target label ${label}`);
        }
        for (const [label, value] of Object.entries(series.labels)) {
          const values = metric.labels[label];
          if (Array.isArray(values) && !values.includes(value)) say(`example series has ${label}="${value}", not a value of ${metric.name}`);
        }
      }
      for (const labels of example.firing) {
        if (Object.keys(labels).sort().join(',') !== [...condition.by].sort().join(',')) say(`an example's alert labels are not exactly ${condition.by.join(', ') || 'none'}`);
      }
    }
    if (rule.examples.fires.firing.length === 0) say('the firing example fires nothing');
    if (rule.examples.quiet.firing.length !== 0) say('the quiet example fires');
  }
  return problems;
}

function checkMatcher(ruleName: string, metric: MetricDefinition, matcher: LabelMatcher): string[] {
  const values = metric.labels[matcher.label];
  if (values === undefined) return [`${ruleName}: ${metric.name} has no label ${matcher.label}`];
  if (!Array.isArray(values)) return [`${ruleName}: ${matcher.label} of ${metric.name} has run-time values; match closed lists only`];
  const wanted = 'value' in matcher ? [matcher.value] : matcher.values;
  return wanted.filter((value) => !values.includes(value)).map((value) => `${ruleName}: ${matcher.label}="${value}" is not a value of ${metric.name}`);
}
