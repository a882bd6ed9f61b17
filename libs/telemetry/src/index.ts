/**
 * @consortium/telemetry: the observability spine every package plugs into.
 *
 * Public on purpose:
 * - setupTelemetry: one call per process (metrics, traces, OTLP, logger, health).
 * - the metric catalogue and its area factories, so apps build metrics once and pass the
 *   typed objects to libraries (which take `XMetrics | null`).
 * - conformance checks, for tests that assert a process exposes only catalogued metrics.
 * - HealthChecks and the logger, for any HTTP server or CLI.
 * - the alert rules, their PromQL and promtool files, and their evaluator: Prometheus and the
 *   dashboard alert from the same data.
 */
export { setupTelemetry, ATTR_CONSORTIUM_MEMBER_ID } from './setup.js';
export type { Telemetry, TelemetryOptions, RenderedMetrics } from './setup.js';
export { splitResident } from './memory/smaps.js';
export type { ResidentSplit } from './memory/smaps.js';
export { V8PageReleaser, MEMORY_RELEASE_DEFAULTS, pooledPageBytes } from './memory/page-release.js';
export type { MemoryReleaseOptions, MemoryReleaseProbe } from './memory/page-release.js';

export { metricCatalogue, listCataloguedMetrics, checkCatalogue, checkMetricDefinition } from './catalogue/index.js';
export type { CataloguedMetric } from './catalogue/index.js';
export type {
  MetricArea,
  MetricDefinition,
  MetricType,
  MetricUnit,
  LabelSpec,
  LabelValueSet,
  RuntimeLabelValues,
  AreaDefinitions,
  LabelValuesOf,
} from './catalogue/types.js';
export {
  SECONDS_FAST,
  SECONDS_SLOW,
  SECONDS_CONSENSUS,
  SECONDS_NETWORK,
  SECONDS_DISK,
  BYTES_MESSAGE,
  COUNT_PER_BLOCK,
  PROOFS_PER_BATCH,
} from './catalogue/buckets.js';
export { P2P_PROTOCOLS, RUNTIME_LABEL_SETS, MEMBER_IDS } from './catalogue/label-sets.js';
export { CEREMONY_REFUSALS } from './catalogue/areas/ceremony.js';
export { SETTLEMENT_PERIODS_KEPT } from './catalogue/areas/settlement.js';
export { spanCatalogue, listCataloguedSpans } from './catalogue/spans.js';
export type { SpanDefinition } from './catalogue/spans.js';
export { findUncataloguedMetrics, findLabelViolations, findPageLabelViolations, parsePageSeries } from './catalogue/conformance.js';
export type { PageSeries } from './catalogue/conformance.js';
// The most series the catalogue allows for a consortium of n members (docs/metrics.md states it for 7).
export { maxSeriesCount, seriesBound } from './catalogue/cardinality.js';
export type { SeriesBoundOptions, SeriesBudget } from './catalogue/cardinality.js';
// What issue 9 asked the catalogue to cover, topic by topic (the coverage test, the dashboard's views).
export { METRIC_TOPICS, findTopicGaps } from './catalogue/coverage.js';
export type { MetricTopic, MetricTopicArea, TopicMetric } from './catalogue/coverage.js';

export {
  createMetrics,
  createProcessMetrics,
  createHostMetrics,
  createApiMetrics,
  createSecurityMetrics,
  createConsensusMetrics,
  createP2pMetrics,
  createStorageMetrics,
  createZkpMetrics,
  createCeremonyMetrics,
  createSettlementMetrics,
} from './metrics/areas.js';
export type {
  Metrics,
  ProcessMetrics,
  HostMetrics,
  ApiMetrics,
  SecurityMetrics,
  ConsensusMetrics,
  P2pMetrics,
  StorageMetrics,
  ZkpMetrics,
  CeremonyMetrics,
  SettlementMetrics,
} from './metrics/areas.js';
export { createAreaMetrics, createMetric } from './metrics/create.js';
export type {
  AreaMetrics,
  MetricOf,
  CounterMetric,
  CounterChild,
  GaugeMetric,
  GaugeChild,
  HistogramMetric,
  HistogramChild,
} from './metrics/create.js';
export { mergeExpositions, splitMetricFamilies, metricFamilyNames } from './metrics/exposition.js';

export { otlpSettingsFromEnv, OtlpConfigurationError } from './otlp-settings.js';
export type { OtlpSettings, OtlpSignalSettings, OtlpProtocol } from './otlp-settings.js';

export { createLogger, traceContextFields } from './logger.js';
export type { Logger, LoggerSettings } from './logger.js';
export { LogRecorder } from './log-recorder.js';
// An OTLP/HTTP receiver for tests: e2e tests of node processes receive their spans with it.
export { OtlpReceiver } from './otlp-receiver.js';
export type { ReceivedRequest, ReceivedSpan } from './otlp-receiver.js';

export { HealthChecks, DuplicateCheckError } from './health.js';
export type { CheckResult, ReadinessCheck, HealthResponse, LivenessBody, ReadinessBody } from './health.js';

// Alert rules: typed data from which deploy/prometheus/alerts.yml and its promtool tests are
// generated (tools/src/deploy-gen), and the evaluator the dashboard runs over its own series.
export { alertRules, STATEMENT_ANSWER_DEADLINE_SECONDS } from './alerts/rules.js';
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
} from './alerts/types.js';
export { checkAlertRules, TARGET_LABELS } from './alerts/check.js';
export { conditionToPromQL, formatDuration } from './alerts/promql.js';
export { prometheusRulesFile, promtoolTestFile, runbookUrl, RUNBOOK_PATH, RULE_TEST_EVALUATION_SECONDS } from './alerts/rules-file.js';
export type { PrometheusRulesFile, PrometheusAlertingRule, PromtoolTestFile } from './alerts/rules-file.js';
export { parseSeriesValues, exampleSamples, SeriesNotationError } from './alerts/series-notation.js';
export { AlertEvaluator } from './alerts/evaluator/alert-evaluator.js';
export type { ActiveAlert, AlertEvaluation } from './alerts/evaluator/alert-evaluator.js';
export { evaluateCondition, LOOKBACK_MS } from './alerts/evaluator/condition.js';
export type { ConditionResult } from './alerts/evaluator/condition.js';
export { seriesReaderOf } from './alerts/evaluator/series.js';
export type { SeriesReader, SeriesSamples, Sample } from './alerts/evaluator/series.js';
export { attachTargetLabels } from './alerts/target-labels.js';
export { alertSeriesNames, alertRetentionMs } from './alerts/needs.js';
export { expandTemplate } from './alerts/template.js';
