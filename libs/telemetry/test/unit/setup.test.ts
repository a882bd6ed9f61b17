import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import {
  findLabelViolations,
  findUncataloguedMetrics,
  LogRecorder,
  setupTelemetry,
  type Telemetry,
} from '../../src/index.js';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

function start(sink = new LogRecorder()) {
  telemetry = setupTelemetry({ serviceName: 'consortium-test', memberId: 'Orange-FR', env: {}, logDestination: sink });
  return { telemetry, sink };
}

/** Puts a value in every catalogued series, so the page shows the whole catalogue. */
function exerciseEveryArea(t: Telemetry) {
  t.metrics.api.requestsTotal.inc({ route: '/v1/status', method: 'GET', status_class: '2xx' });
  t.metrics.api.requestDurationSeconds.observe({ route: '/v1/status', method: 'GET' }, 0.002);
  t.metrics.api.requestsInFlight.set(1);
  t.metrics.security.authAttemptsTotal.inc({ outcome: 'bad_credentials' });
  t.metrics.security.rateLimitedRequestsTotal.inc({ route: '/v1/status', scope: 'client' });
  t.metrics.security.refusedPeersTotal.inc({ reason: 'not_member' });
  t.metrics.security.invalidMessagesTotal.inc({ kind: 'bad_signature' });
}

describe('setupTelemetry', () => {
  it('exposes only catalogued metrics, with label values inside their sets', async () => {
    const { telemetry: t } = start();
    exerciseEveryArea(t);
    const page = await t.renderMetrics();
    expect(page.contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(findUncataloguedMetrics(page.body)).toEqual([]);
    expect(await findLabelViolations(t.registry)).toEqual([]);
    expect(page.body).toContain('consortium_process_info{service="consortium-test",member="Orange-FR"');
    expect(page.body).toMatch(/consortium_process_cpu_seconds_total\{mode="user"\} [0-9.e-]+/);
    expect(page.body).toMatch(/consortium_host_data_disk_bytes\{state="free"\} [1-9]/);
    expect(page.body).toContain('consortium_security_invalid_messages_total{kind="bad_signature"} 1');
  });

  it('reports the heap limit V8 enforces and the share of it in use', async () => {
    const { telemetry: t } = start();
    const page = (await t.renderMetrics()).body;
    const value = (pattern: RegExp) => Number(pattern.exec(page)?.[1]);
    const limit = value(/^consortium_process_heap_bytes\{kind="limit"\} (\S+)$/m);
    const used = value(/^consortium_process_heap_bytes\{kind="used"\} (\S+)$/m);
    expect(limit).toBe(getHeapStatistics().heap_size_limit);
    expect(value(/^consortium_process_heap_used_ratio (\S+)$/m)).toBeCloseTo(used / limit, 6);
  });

  it('fails the catalogue check for a metric created outside the catalogue, on either side', async () => {
    const { telemetry: t } = start();
    new Counter({ name: 'sneaky_requests_total', help: 'Not catalogued.', registers: [t.registry] }).inc();
    t.meter('test').createCounter('otel_sneaky_total', { description: 'Not catalogued either.' }).add(1);
    const page = await t.renderMetrics();
    expect(findUncataloguedMetrics(page.body)).toEqual(['sneaky_requests_total', 'otel_sneaky_total']);
    expect(await findLabelViolations(t.registry)).toEqual(['sneaky_requests_total: not in the catalogue']);
  });

  it('serves OpenTelemetry instruments on the same page, and drops one that reuses a catalogue name', async () => {
    const { telemetry: t, sink } = start();
    const meter = t.meter('test');
    meter.createHistogram('example_work_seconds', { description: 'Work.', advice: { explicitBucketBoundaries: [0.1, 1] } }).record(0.5);
    meter.createUpDownCounter('consortium_api_requests_in_flight', { description: 'Duplicate.' }).add(7);
    t.metrics.api.requestsInFlight.set(2);
    const page = await t.renderMetrics();
    expect(page.body).toContain('example_work_seconds_bucket{le="1"} 1');
    expect(page.body.match(/^# TYPE consortium_api_requests_in_flight /gm)).toHaveLength(1);
    expect(page.body).toMatch(/^consortium_api_requests_in_flight 2$/m);
    expect(sink.lines.some((line) => line.metric === 'consortium_api_requests_in_flight' && line.level === 'warn')).toBe(true);
  });

  it('finds label values outside their closed set and runtime labels over their bound', async () => {
    const { telemetry: t } = start();
    const loose = t.metrics.security.refusedPeersTotal as unknown as { inc(labels: Record<string, string>): void };
    loose.inc({ reason: 'sunspots' });
    for (let i = 0; i < 65; i++) t.metrics.api.requestsInFlight.inc();
    const routes = t.metrics.api.requestsTotal;
    for (let i = 0; i < 65; i++) routes.inc({ route: `/raw/url/${i}`, method: 'GET', status_class: '2xx' });
    expect(await findLabelViolations(t.registry)).toEqual([
      'consortium_api_requests_total: label route has 65 values, more than the bound 64 (route patterns registered on the HTTP server, or "unmatched")',
      'consortium_security_refused_peers_total: reason="sunspots" is outside ["not_member","backoff"]',
    ]);
  });

  it('writes JSON log lines carrying the active span\'s trace and span ids', () => {
    const { telemetry: t, sink } = start();
    t.logger.info('outside any span');
    const tracer = t.tracer('test');
    let ids = { traceId: '', spanId: '' };
    tracer.startActiveSpan('consensus.height', (span) => {
      ids = span.spanContext();
      t.logger.info({ height: 7 }, 'inside a span');
      span.end();
    });
    const [outside, inside] = sink.lines;
    expect(outside).toMatchObject({ level: 'info', service: 'consortium-test', member: 'Orange-FR', msg: 'outside any span' });
    expect(outside).not.toHaveProperty('trace_id');
    // No OTLP exporter here: the span is not sampled (flags 00) but keeps its ids for the logs.
    expect(inside).toMatchObject({ msg: 'inside a span', height: 7, trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '00' });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('collect hooks', () => {
  it('runs added hooks before each scrape, and a failing hook only logs', async () => {
    const { telemetry: t, sink } = start();
    let value = 0;
    t.addCollectHook(() => {
      value += 1;
      t.metrics.storage.dbSizeBytes.set(value * 1000);
    });
    t.addCollectHook(() => Promise.reject(new Error('disk gone')));
    expect((await t.renderMetrics()).body).toContain('consortium_storage_db_size_bytes 1000');
    expect((await t.renderMetrics()).body).toContain('consortium_storage_db_size_bytes 2000');
    expect(sink.lines.some((line) => line.level === 'warn' && (line.err as { message?: string } | undefined)?.message === 'disk gone')).toBe(true);
  });
});
