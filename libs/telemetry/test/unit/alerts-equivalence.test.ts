import { describe, expect, it } from 'vitest';
import { AlertEvaluator, alertRules, exampleSamples, RULE_TEST_EVALUATION_SECONDS, seriesReaderOf, type AlertExample, type AlertRule } from '../../src/index.js';

/**
 * The "identical series to both, the same firing alerts". Each rule's examples are
 * written to deploy/prometheus/alerts.test.yml, where `promtool test rules` (the e2e suite)
 * checks that the real Prometheus engine fires exactly the alerts each example states. Here
 * the TypeScript evaluator runs on the same series, stepped at promtool's evaluation times
 * from 0 to the example's eval time, and must fire exactly those alerts too. When both pass,
 * Prometheus and the dashboard agree on every example.
 */
function firingAt(rule: AlertRule, example: AlertExample) {
  const evaluator = new AlertEvaluator([rule]);
  const reader = seriesReaderOf(exampleSamples(example));
  let active: ReturnType<AlertEvaluator['evaluate']>['active'] = [];
  for (let seconds = 0; seconds <= example.evalSeconds; seconds += RULE_TEST_EVALUATION_SECONDS) {
    active = evaluator.evaluate(reader, seconds * 1000).active;
  }
  return active.filter((alert) => alert.state === 'firing').map((alert) => alert.labels);
}

function expectedAt(rule: AlertRule, example: AlertExample) {
  return example.firing.map((labels) => ({ ...labels, alertname: rule.name, severity: rule.severity }));
}

const byKey = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).sort());

describe('the TypeScript evaluator fires what promtool expects, on every example', () => {
  for (const rule of alertRules) {
    for (const kind of ['fires', 'quiet'] as const) {
      it(`${rule.name}: ${kind}`, () => {
        const example = rule.examples[kind];
        const got = firingAt(rule, example).map(byKey).sort();
        expect(got).toEqual(expectedAt(rule, example).map(byKey).sort());
      });
    }
  }

  it('every example is stepped at promtool evaluation times', () => {
    for (const rule of alertRules) {
      for (const example of [rule.examples.fires, rule.examples.quiet]) {
        expect(example.evalSeconds % RULE_TEST_EVALUATION_SECONDS, rule.name).toBe(0);
      }
    }
  });
});
