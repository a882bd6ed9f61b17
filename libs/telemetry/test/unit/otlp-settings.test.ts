import { describe, expect, it } from 'vitest';
import { OtlpConfigurationError, otlpSettingsFromEnv } from '../../src/index.js';

describe('OTLP settings from the environment', () => {
  it('exports nothing when no endpoint is set', () => {
    const settings = otlpSettingsFromEnv({});
    expect(settings.traces.enabled).toBe(false);
    expect(settings.metrics.enabled).toBe(false);
    expect(settings.metrics.exportIntervalMs).toBe(60_000);
  });

  it('derives per-signal URLs from the base endpoint, protobuf by default', () => {
    const settings = otlpSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(settings.traces).toEqual({ enabled: true, protocol: 'http/protobuf', url: 'http://collector:4318/v1/traces' });
    expect(settings.metrics.url).toBe('http://collector:4318/v1/metrics');
  });

  it('takes a signal-specific endpoint and protocol as given', () => {
    const settings = otlpSettingsFromEnv({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
    });
    expect(settings.traces).toEqual({ enabled: true, protocol: 'http/json', url: 'http://tempo:4318/custom' });
    expect(settings.metrics.enabled).toBe(false);
    expect(settings.metrics.exportIntervalMs).toBe(5000);
  });

  it('honours OTEL_SDK_DISABLED and OTEL_<SIGNAL>_EXPORTER=none', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(otlpSettingsFromEnv({ ...base, OTEL_SDK_DISABLED: 'true' }).traces.enabled).toBe(false);
    const settings = otlpSettingsFromEnv({ ...base, OTEL_TRACES_EXPORTER: 'none' });
    expect(settings.traces.enabled).toBe(false);
    expect(settings.metrics.enabled).toBe(true);
  });

  it('refuses gRPC and a bad interval with a message saying what to set', () => {
    expect(() => otlpSettingsFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(OtlpConfigurationError);
    expect(() => otlpSettingsFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/http\/protobuf \(the default\) or http\/json/);
    expect(() => otlpSettingsFromEnv({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' })).toThrow(/positive number of milliseconds/);
  });
});
