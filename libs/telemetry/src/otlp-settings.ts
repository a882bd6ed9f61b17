/**
 * Which OTLP exports to run, decided from the standard OpenTelemetry environment variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/). Pure: takes the environment,
 * returns the decision, so the rules are tested without starting anything.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpSignalSettings {
  readonly enabled: boolean;
  readonly protocol: OtlpProtocol;
  /** Full URL the signal is posted to; empty when the signal is not exported. */
  readonly url: string;
}

export interface OtlpSettings {
  readonly traces: OtlpSignalSettings;
  readonly metrics: OtlpSignalSettings & { readonly exportIntervalMs: number };
}

export class OtlpConfigurationError extends Error {
  override readonly name = 'OtlpConfigurationError';
}

const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;

function protocolFor(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): OtlpProtocol {
  const value = env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (value === 'http/protobuf' || value === 'http/json') return value;
  throw new OtlpConfigurationError(
    `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL=${value} is not supported: set it to http/protobuf (the default) or http/json`,
  );
}

/** The signal's URL: the signal-specific endpoint as given, or the base endpoint plus /v1/<signal>. */
function urlFor(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): string {
  const specific = env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`];
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return '';
  return `${base.replace(/\/+$/, '')}/v1/${signal.toLowerCase()}`;
}

function signalEnabled(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env[`OTEL_${signal}_EXPORTER`];
  if (exporter !== undefined && exporter.split(',').every((name) => name.trim() !== 'otlp')) return false;
  return urlFor(env, signal) !== '';
}

function signalSettings(env: NodeJS.ProcessEnv, signal: 'TRACES' | 'METRICS'): OtlpSignalSettings {
  const enabled = signalEnabled(env, signal);
  return { enabled, protocol: protocolFor(env, signal), url: enabled ? urlFor(env, signal) : '' };
}

export function otlpSettingsFromEnv(env: NodeJS.ProcessEnv): OtlpSettings {
  const interval = env.OTEL_METRIC_EXPORT_INTERVAL;
  const exportIntervalMs = interval === undefined ? DEFAULT_METRIC_EXPORT_INTERVAL_MS : Number(interval);
  if (!Number.isInteger(exportIntervalMs) || exportIntervalMs <= 0) {
    throw new OtlpConfigurationError(`OTEL_METRIC_EXPORT_INTERVAL=${interval} must be a positive number of milliseconds`);
  }
  return {
    traces: signalSettings(env, 'TRACES'),
    metrics: { ...signalSettings(env, 'METRICS'), exportIntervalMs },
  };
}
