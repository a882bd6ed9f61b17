import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  readonly service: string;
  readonly member: string;
  /** pino level; defaults to LOG_LEVEL or 'info'. */
  readonly level?: string;
  /** Where lines go; standard output when absent. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/**
 * JSON lines with the trace and span ids of the active span (OpenTelemetry's log-correlation
 * field names), so a log line leads to its trace and a trace to its log lines.
 */
export function traceContextFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') };
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: settings.service, member: settings.member },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceContextFields,
  };
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}
