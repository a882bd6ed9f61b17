import { formatDuration, conditionToPromQL } from './promql.js';
import { expandTemplate } from './template.js';
import type { AlertArea, AlertExample, AlertRule } from './types.js';

/** Where each rule's runbook section lives, relative to the repository root. */
export const RUNBOOK_PATH = 'docs/operations.md';

/** Rule groups in the rules file: one per area, in this order. */
const AREA_ORDER: readonly AlertArea[] = ['node', 'consensus', 'p2p', 'security', 'zkp', 'settlement', 'resources'];

/** promtool evaluates the rules at this interval in the tests; every example's eval time is a multiple of it. */
export const RULE_TEST_EVALUATION_SECONDS = 15;

export interface PrometheusAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface PrometheusRulesFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly PrometheusAlertingRule[] }[];
}

export function runbookUrl(rule: AlertRule): string {
  return `${RUNBOOK_PATH}#${rule.runbook}`;
}

/** The content of deploy/prometheus/alerts.yml, as data (the generator writes it as YAML). */
export function prometheusRulesFile(rules: readonly AlertRule[]): PrometheusRulesFile {
  const groups = AREA_ORDER.map((area) => ({
    name: `consortium-${area}`,
    rules: rules.filter((rule) => rule.area === area).map(toPrometheusRule),
  }));
  return { groups: groups.filter((group) => group.rules.length > 0) };
}

function toPrometheusRule(rule: AlertRule): PrometheusAlertingRule {
  return {
    alert: rule.name,
    expr: conditionToPromQL(rule.condition),
    for: formatDuration(rule.forSeconds),
    labels: { severity: rule.severity },
    annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(rule) },
  };
}

export interface PromtoolTestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval: string;
  readonly tests: readonly PromtoolTestCase[];
}

interface PromtoolTestCase {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly { readonly series: string; readonly values: string }[];
  readonly alert_rule_test: readonly {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly { readonly exp_labels: Record<string, string>; readonly exp_annotations: Record<string, string> }[];
  }[];
}

/**
 * The content of deploy/prometheus/alerts.test.yml: each rule's two examples as promtool test
 * cases, with the alerts (labels and expanded annotations) expected at the eval time.
 */
export function promtoolTestFile(rules: readonly AlertRule[], ruleFile: string): PromtoolTestFile {
  const tests = rules.flatMap((rule) => [testCase(rule, 'fires', rule.examples.fires), testCase(rule, 'quiet', rule.examples.quiet)]);
  return { rule_files: [ruleFile], evaluation_interval: formatDuration(RULE_TEST_EVALUATION_SECONDS), tests };
}

function testCase(rule: AlertRule, kind: 'fires' | 'quiet', example: AlertExample): PromtoolTestCase {
  const { annotations } = toPrometheusRule(rule);
  return {
    name: `${rule.name} ${kind}`,
    interval: formatDuration(example.intervalSeconds),
    input_series: example.series.map(({ metric, labels, values }) => ({ series: seriesSelector(metric, labels), values })),
    alert_rule_test: [
      {
        eval_time: formatDuration(example.evalSeconds),
        alertname: rule.name,
        exp_alerts: example.firing.map((labels) => ({
          exp_labels: { ...labels, severity: rule.severity },
          exp_annotations: {
            summary: expandTemplate(annotations.summary, labels),
            description: expandTemplate(annotations.description, labels),
            runbook_url: annotations.runbook_url,
          },
        })),
      },
    ],
  };
}

function seriesSelector(metric: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return `${metric}{${pairs.join(', ')}}`;
}
