/** Alert rules as one source of truth: the rules, their PromQL and promtool tests, and the evaluator. */
export { alertRules, STATEMENT_ANSWER_DEADLINE_SECONDS } from './rules.js';
export type {
  AlertRule,
  AlertArea,
  AlertSeverity,
  AlertCondition,
  AlertExample,
  ExampleSeries,
  LabelMatcher,
  RangeFunction,
  ValueExpression,
  Aggregation,
  Comparison,
} from './types.js';
export { conditionToPromQL, formatDuration } from './promql.js';
export { prometheusRulesFile, promtoolTestFile, runbookUrl, RUNBOOK_PATH, RULE_TEST_EVALUATION_SECONDS } from './rules-file.js';
export type { PrometheusRulesFile, PrometheusAlertingRule, PromtoolTestFile } from './rules-file.js';
export { AlertEvaluator } from './evaluator/alert-evaluator.js';
export type { ActiveAlert, AlertEvaluation } from './evaluator/alert-evaluator.js';
export { evaluateCondition, LOOKBACK_MS } from './evaluator/condition.js';
export type { ConditionResult } from './evaluator/condition.js';
export { seriesReaderOf } from './evaluator/series.js';
export type { SeriesReader, SeriesSamples, Sample } from './evaluator/series.js';
export { attachTargetLabels } from './target-labels.js';
export { checkAlertRules, TARGET_LABELS } from './check.js';
export { expandTemplate } from './template.js';
export { parseSeriesValues, exampleSamples, SeriesNotationError } from './series-notation.js';
