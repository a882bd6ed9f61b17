import { context, metrics as metricsApi, propagation, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, BatchSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { listCataloguedMetrics } from './catalogue/index.js';
import type { MetricUnit } from './catalogue/types.js';
import { HostCollector } from './collectors/host.js';
import { ProcessCollector } from './collectors/process.js';
import type { Collector } from './collectors/types.js';
import { HealthChecks } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { V8PageReleaser, type MemoryReleaseOptions } from './memory/page-release.js';
import { createMetrics, type Metrics } from './metrics/areas.js';
import { mergeExpositions } from './metrics/exposition.js';
import { PromClientMetricProducer } from './metrics/otel-bridge.js';
import { otlpSettingsFromEnv, type OtlpSettings } from './otlp-settings.js';

/** Resource attribute naming the consortium member a process belongs to. */
export const ATTR_CONSORTIUM_MEMBER_ID = 'consortium.member.id';
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

export interface TelemetryOptions {
  /** e.g. "consortium-node", "consortium-dashboard". */
  readonly serviceName: string;
  /** The member this process belongs to, e.g. "T-Mobile-DE". */
  readonly memberId: string;
  readonly serviceVersion?: string;
  /** Directory whose filesystem the host metrics report; the node passes its data directory. */
  readonly dataDir?: string;
  /** Environment to read OTEL_* settings from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Register as the process-wide OpenTelemetry providers (default true; one per process). */
  readonly registerGlobal?: boolean;
  /** Run the process and host collectors (default true). */
  readonly collectors?: boolean;
  readonly logLevel?: string;
  readonly logDestination?: DestinationStream;
  /**
   * Release V8's pooled heap pages when they pass a threshold (memory/page-release.ts); off by
   * default. The node turns it on: a long-running process under steady load.
   */
  readonly memoryRelease?: MemoryReleaseOptions;
}

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

export interface Telemetry {
  readonly serviceName: string;
  readonly memberId: string;
  readonly registry: Registry;
  /** The catalogue's metrics, typed per area. */
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly health: HealthChecks;
  readonly otlp: OtlpSettings;
  tracer(name: string, version?: string): Tracer;
  meter(name: string, version?: string): Meter;
  /** Refreshes collected metrics (process, host, and every added hook) without rendering. */
  collect(): Promise<void>;
  /**
   * Runs `hook` before every read of the metrics (a scrape, an OTLP export): for gauges that
   * are cheaper to read on demand than to keep current, such as the store's size on disk.
   */
  addCollectHook(hook: () => void | Promise<void>): void;
  /** The /metrics page: prom-client's registry and OpenTelemetry's instruments, one family per name. */
  renderMetrics(): Promise<RenderedMetrics>;
  /** Flushes pending spans and metrics, then releases every timer, observer and global. */
  shutdown(): Promise<void>;
}

function traceExporter(settings: OtlpSettings['traces']) {
  return settings.protocol === 'http/json'
    ? new OtlpJsonTraceExporter({ url: settings.url })
    : new OtlpProtoTraceExporter({ url: settings.url });
}

function metricExporter(settings: OtlpSettings['metrics']) {
  return settings.protocol === 'http/json'
    ? new OtlpJsonMetricExporter({ url: settings.url })
    : new OtlpProtoMetricExporter({ url: settings.url });
}

/**
 * Sets up telemetry for one process: the catalogue's metrics on a prom-client registry, an
 * OpenTelemetry MeterProvider and TracerProvider carrying the service name and member id, OTLP
 * export when the OTEL_EXPORTER_OTLP_* variables ask for it, the JSON logger and the
 * health/readiness checks.
 */
export function setupTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const otlp = otlpSettingsFromEnv(env);
  const serviceVersion = options.serviceVersion ?? '0.1.0';
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: serviceVersion,
    [ATTR_SERVICE_INSTANCE_ID]: options.memberId,
    [ATTR_CONSORTIUM_MEMBER_ID]: options.memberId,
  });

  const registry = new Registry();
  const metrics = createMetrics(registry);
  const collectors: Collector[] =
    options.collectors === false
      ? []
      : [
          new ProcessCollector(metrics.process, { service: options.serviceName, member: options.memberId, version: serviceVersion }),
          new HostCollector(metrics.host, options.dataDir ?? process.cwd()),
        ];
  const logger = createLogger({
    service: options.serviceName,
    member: options.memberId,
    ...(options.logLevel === undefined ? {} : { level: options.logLevel }),
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });

  const hooks: (() => void | Promise<void>)[] = [];
  const collect = async (): Promise<void> => {
    const results = await Promise.allSettled([...collectors.map(async (collector) => collector.collect()), ...hooks.map(async (hook) => hook())]);
    for (const result of results) {
      if (result.status === 'rejected') logger.warn({ err: result.reason }, 'a metrics collector failed; its series keep their last values');
    }
  };

  const unitByName = new Map<string, MetricUnit>(listCataloguedMetrics().map(({ definition }) => [definition.name, definition.unit]));
  const prometheusReader = new PrometheusExporter({ preventServerStart: true, withoutTargetInfo: true, withoutScopeInfo: true });
  const readers: MetricReader[] = [prometheusReader];
  if (otlp.metrics.enabled) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: metricExporter(otlp.metrics),
        exportIntervalMillis: otlp.metrics.exportIntervalMs,
        metricProducers: [new PromClientMetricProducer(registry, (name) => unitByName.get(name) ?? 'count', collect)],
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });

  const spanProcessors: SpanProcessor[] = otlp.traces.enabled ? [new BatchSpanProcessor({ exporter: traceExporter(otlp.traces) })] : [];
  // Without an exporter a recorded span goes nowhere: spans are then not recorded (they keep
  // their ids, so log lines still carry trace_id and span_id), which spares the per-transaction
  // spans' cost (docs/benchmarks.md, "Telemetry on running nodes").
  const tracerProvider = new TracerProvider({ resource, spanProcessors, ...(otlp.traces.enabled ? {} : { sampler: new AlwaysOffSampler() }) });

  const pageReleaser =
    options.memoryRelease === undefined ? null : new V8PageReleaser(metrics.process, logger, tracerProvider.getTracer('@consortium/telemetry'), options.memoryRelease);
  pageReleaser?.start();

  const registerGlobal = options.registerGlobal !== false;
  if (registerGlobal) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
    metricsApi.setGlobalMeterProvider(meterProvider);
  }

  const serializer = new PrometheusSerializer('', false, undefined, true, true);
  const reportedDuplicates = new Set<string>();

  return {
    serviceName: options.serviceName,
    memberId: options.memberId,
    registry,
    metrics,
    logger,
    health: new HealthChecks(),
    otlp,
    tracer: (name, version) => tracerProvider.getTracer(name, version),
    meter: (name, version) => meterProvider.getMeter(name, version),
    collect,
    addCollectHook: (hook) => {
      hooks.push(hook);
    },
    async renderMetrics() {
      await collect();
      const [promText, otelCollection] = await Promise.all([registry.metrics(), prometheusReader.collect()]);
      const merged = mergeExpositions(promText, serializer.serialize(otelCollection.resourceMetrics));
      for (const name of merged.droppedDuplicates) {
        if (reportedDuplicates.has(name)) continue;
        reportedDuplicates.add(name);
        logger.warn({ metric: name }, 'an OpenTelemetry instrument reuses a catalogue metric name; it is left off /metrics');
      }
      return { contentType: registry.contentType, body: merged.text };
    },
    async shutdown() {
      for (const collector of collectors) collector.stop();
      pageReleaser?.stop();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      if (registerGlobal) {
        trace.disable();
        metricsApi.disable();
        propagation.disable();
        context.disable();
      }
      logger.flush();
    },
  };
}
