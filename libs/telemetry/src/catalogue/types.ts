/**
 * The shape of one metric in the catalogue. Each metric is declared exactly once, here in
 * libs/telemetry; code receives typed metric objects from the area factories and never
 * creates a metric of its own (the boundary check forbids importing prom-client elsewhere).
 */

/** Areas of the name `consortium_<area>_<name>_<unit>`. Later issues add theirs. */
export type MetricArea = 'process' | 'host' | 'api' | 'security' | 'consensus' | 'p2p' | 'storage' | 'zkp' | 'ceremony' | 'settlement';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * The unit a metric's value is in. `count` means a plain number of things (no unit suffix);
 * `info` is a constant-1 gauge whose labels carry the information.
 */
export type MetricUnit = 'seconds' | 'bytes' | 'ratio' | 'count' | 'info';

/**
 * A label whose values are known only at run time but are bounded by something the operator
 * controls, e.g. the member ids listed in genesis. `max` is the bound the catalogue promises:
 * the cardinality check fails a metric with more distinct values than that.
 */
export interface RuntimeLabelValues {
  readonly kind: 'runtime';
  readonly describe: string;
  readonly max: number;
}

/** The values a label may take: a closed list, or a bounded run-time set. */
export type LabelValueSet = readonly string[] | RuntimeLabelValues;

export type LabelSpec = Readonly<Record<string, LabelValueSet>>;

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit: MetricUnit;
  readonly labels: LabelSpec;
  /** Histogram bucket upper bounds, strictly increasing; required for histograms only. */
  readonly buckets?: readonly number[];
}

/** The metrics of one area, keyed by the property name the code uses. */
export type AreaDefinitions = Readonly<Record<string, MetricDefinition>>;

/** Label values accepted by a metric, typed from its label spec. */
export type LabelValuesOf<L extends LabelSpec> = {
  readonly [K in keyof L]: L[K] extends readonly (infer V)[] ? V : string;
};
