import { alertRules, checkAlertRules, prometheusRulesFile, promtoolTestFile, type AlertRule } from '@consortium/telemetry';
import { stringify } from 'yaml';
import { generatedHeader, type GeneratedFile } from './generated-file.js';

const RULES_PATH = 'deploy/prometheus/alerts.yml';
const TESTS_PATH = 'deploy/prometheus/alerts.test.yml';
const SOURCE = 'the alert rules in libs/telemetry/src/alerts/rules.ts';

/** Long PromQL and descriptions stay on one line: a diff of a changed rule reads as one line. */
const YAML_OPTIONS = { lineWidth: 0 } as const;

/**
 * deploy/prometheus/alerts.yml (the rules Prometheus loads) and alerts.test.yml (each rule's
 * examples as `promtool test rules` cases, reading alerts.yml from the same directory).
 */
export function alertRuleFiles(rules: readonly AlertRule[] = alertRules): GeneratedFile[] {
  const problems = checkAlertRules(rules);
  if (problems.length > 0) throw new InvalidAlertRulesError(problems);
  return [
    { path: RULES_PATH, content: generatedHeader(SOURCE) + stringify(prometheusRulesFile(rules), YAML_OPTIONS) },
    { path: TESTS_PATH, content: generatedHeader(SOURCE) + stringify(promtoolTestFile(rules, 'alerts.yml'), YAML_OPTIONS) },
  ];
}

/** The rules do not pass checkAlertRules: nothing is written. */
export class InvalidAlertRulesError extends Error {
  override readonly name = 'InvalidAlertRulesError';
  constructor(readonly problems: readonly string[]) {
    super(`the alert rules have problems:\n  ${problems.join('\n  ')}`);
  }
}
