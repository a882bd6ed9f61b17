import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogRecorder, setupTelemetry } from '../../src/index.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';

type JsonAttribute = { key: string; value: { stringValue?: string } };
type JsonSpan = { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: JsonAttribute[] };
type JsonTraces = {
  resourceSpans: { resource: { attributes: JsonAttribute[] }; scopeSpans: { scope: { name: string }; spans: JsonSpan[] }[] }[];
};
type JsonMetrics = {
  resourceMetrics: { resource: { attributes: JsonAttribute[] }; scopeMetrics: { metrics: { name: string; sum?: { dataPoints: { asDouble?: number; attributes: JsonAttribute[] }[] } }[] }[] }[];
};

const attribute = (attributes: JsonAttribute[], key: string) => attributes.find((a) => a.key === key)?.value.stringValue;

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await OtlpReceiver.start();
});
afterEach(async () => receiver.stop());

describe('OTLP/HTTP export', () => {
  it('sends spans (JSON) with the service name and member id as resource attributes', async () => {
    const telemetry = setupTelemetry({
      serviceName: 'consortium-node',
      memberId: 'Vodafone-UK',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      logDestination: new LogRecorder(),
    });
    const tracer = telemetry.tracer('@consortium/telemetry-test');
    tracer.startActiveSpan('consensus.height', { attributes: { 'consensus.height': 42 } }, (parent) => {
      tracer.startSpan('consensus.commit').end();
      parent.end();
    });
    await telemetry.shutdown(); // flushes the batch processor

    const [request] = await receiver.waitFor('/v1/traces');
    expect(request?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body.toString('utf8')) as JsonTraces;
    const resourceSpans = body.resourceSpans[0]!;
    expect(attribute(resourceSpans.resource.attributes, 'service.name')).toBe('consortium-node');
    expect(attribute(resourceSpans.resource.attributes, 'consortium.member.id')).toBe('Vodafone-UK');
    const spans = resourceSpans.scopeSpans.flatMap((scope) => scope.spans);
    const parent = spans.find((span) => span.name === 'consensus.height');
    const child = spans.find((span) => span.name === 'consensus.commit');
    expect(child?.traceId).toBe(parent?.traceId);
    expect(child?.parentSpanId).toBe(parent?.spanId);
  });

  it('sends spans as protobuf by default', async () => {
    const telemetry = setupTelemetry({
      serviceName: 'consortium-node',
      memberId: 'SFR-FR',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
      logDestination: new LogRecorder(),
    });
    telemetry.tracer('test').startSpan('zkp.verify').end();
    await telemetry.shutdown();
    const [request] = await receiver.waitFor('/v1/traces');
    expect(request?.headers['content-type']).toBe('application/x-protobuf');
    // Protobuf keeps strings as UTF-8 bytes: the span and member names are in the body.
    expect(request?.body.includes('zkp.verify')).toBe(true);
    expect(request?.body.includes('SFR-FR')).toBe(true);
  });

  it('pushes the catalogue metrics over OTLP as well as serving them on /metrics', async () => {
    const telemetry = setupTelemetry({
      serviceName: 'consortium-node',
      memberId: 'T-Mobile-DE',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRIC_EXPORT_INTERVAL: '100' },
      logDestination: new LogRecorder(),
    });
    telemetry.metrics.security.refusedPeersTotal.inc({ reason: 'not_member' }, 2);
    const requests = await receiver.waitFor('/v1/metrics');
    await telemetry.shutdown();

    const body = JSON.parse(requests[0]!.body.toString('utf8')) as JsonMetrics;
    const resourceMetrics = body.resourceMetrics[0]!;
    expect(attribute(resourceMetrics.resource.attributes, 'consortium.member.id')).toBe('T-Mobile-DE');
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const refused = metrics.find((metric) => metric.name === 'consortium_security_refused_peers_total');
    const point = refused?.sum?.dataPoints.find((p) => attribute(p.attributes, 'reason') === 'not_member');
    expect(point?.asDouble).toBe(2);
    expect(metrics.some((metric) => metric.name === 'consortium_process_resident_memory_bytes')).toBe(true);
  });

  it('exports nothing when no endpoint is configured', async () => {
    const telemetry = setupTelemetry({ serviceName: 'consortium-node', memberId: 'Orange-FR', env: {}, logDestination: new LogRecorder() });
    telemetry.tracer('test').startSpan('quiet').end();
    await telemetry.shutdown();
    expect(telemetry.otlp.traces.enabled).toBe(false);
    expect(receiver.requests).toEqual([]);
  });
});
