/**
 * Alert rules as typed data: the one source of truth from which the Prometheus rules file, its
 * promtool tests and the dashboard's live evaluation all come. The condition language is the
 * smallest that expresses every rule of the consortium (see docs/decisions.md, "Alert rules in
 * code"): one selector, at most one range function or a histogram quantile, one aggregation,
 * one comparison with a number.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** `=` and `!=` compare with one value; `=~` and `!~` with any of a closed list of values. */
export type LabelMatcher =
  | { readonly label: string; readonly op: '=' | '!='; readonly value: string }
  | { readonly label: string; readonly op: '=~' | '!~'; readonly values: readonly string[] };

/** Functions over a range window of each series (PromQL semantics, Prometheus 2.x). */
export type RangeFunction = 'rate' | 'increase' | 'changes' | 'max_over_time' | 'min_over_time';

/**
 * How each selected series becomes one number at evaluation time:
 * - `instant`: the latest sample within the 5-minute lookback;
 * - `range`: a function over the samples of the last `windowSeconds`;
 * - `age`: seconds from the sample's value (a Unix time) to now, `time() - value`;
 * - `quantile`: `histogram_quantile(q, sum by (le, <by>) (rate(<metric>_bucket[window])))`.
 */
export type ValueExpression =
  | { readonly kind: 'instant' }
  | { readonly kind: 'range'; readonly fn: RangeFunction; readonly windowSeconds: number }
  | { readonly kind: 'age' }
  | { readonly kind: 'quantile'; readonly quantile: number; readonly windowSeconds: number };

export type Aggregation = 'sum' | 'max' | 'min' | 'avg';

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface AlertCondition {
  /** A catalogued metric name (a histogram by its family name), or `up`. */
  readonly metric: string;
  readonly matchers?: readonly LabelMatcher[];
  readonly value: ValueExpression;
  /**
   * Always an aggregation, so an alert's labels are exactly `by`, whichever source collected
   * the series (Prometheus adds job and file-SD labels the dashboard's scraper does not).
   * A `quantile` condition aggregates with `sum` (PromQL needs the buckets summed by `le`).
   */
  readonly aggregate: Aggregation;
  readonly by: readonly string[];
  readonly compare: Comparison;
  readonly threshold: number;
}

/**
 * One series of an example, in promtool's notation (`'0+1x10'`, `'1 _ 3'`, `'_x3'`) at the
 * example's interval, starting at time 0.
 */
export interface ExampleSeries {
  /** The metric name (histogram buckets: `<family>_bucket` with an `le` label). */
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly values: string;
}

/**
 * Input series over time and what the rule does with them at `evalSeconds`: the labels of each
 * firing alert (besides alertname and severity), or none. The generator writes each example as
 * a promtool test case; the equivalence test runs the TypeScript evaluator on the same series.
 */
export interface AlertExample {
  readonly intervalSeconds: number;
  readonly series: readonly ExampleSeries[];
  readonly evalSeconds: number;
  readonly firing: readonly Readonly<Record<string, string>>[];
}

export interface AlertRule {
  /** PascalCase, unique. */
  readonly name: string;
  /** The catalogue area the rule watches; the rules file has one group per area. */
  readonly area: AlertArea;
  readonly severity: AlertSeverity;
  /** Text that may reference the labels in `condition.by` as `{{ $labels.<name> }}`. */
  readonly summary: string;
  readonly description: string;
  /** Anchor of the rule's section in docs/operations.md. */
  readonly runbook: string;
  /** How long the condition must hold before the alert fires (pending until then). */
  readonly forSeconds: number;
  readonly condition: AlertCondition;
  /** A case that fires it and one that does not (ideally near the threshold). */
  readonly examples: { readonly fires: AlertExample; readonly quiet: AlertExample };
}

export type AlertArea = 'node' | 'consensus' | 'p2p' | 'zkp' | 'security' | 'settlement' | 'resources';
