import { trace } from '@opentelemetry/api';
import { OtlpReceiver, type ReceivedSpan } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRoutes } from '../../src/http/routes/index.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * The api.request span of each request, over real OTLP/HTTP (JSON) to a receiver on loopback:
 * named by route pattern, the parent of what its handler starts, and a child of the client's
 * trace when the request carries a W3C traceparent.
 */
const thingRoutes: ApiRoutes = (server) => {
  server.get<{ Params: { id: string } }>('/v1/things/:id', { config: { access: 'observer' } }, async (request) => {
    // Work the handler starts after an await, as a transaction's admission does.
    await new Promise((resolve) => setImmediate(resolve));
    trace.getTracer('test-handler').startSpan('handler.work').end();
    return { id: request.params.id };
  });
};

let receiver: OtlpReceiver;
let api: ApiFixture | null = null;
let spans: ReceivedSpan[] = [];
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  const fixture = await startApiFixture({ extraRoutes: [thingRoutes], traced: { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } } });
  api = fixture;
  const headers = { authorization: `Bearer ${fixture.tokens.grafana!}` };
  expect((await fixture.server.inject({ url: '/v1/things/raw-id-1234', headers })).statusCode).toBe(200);
  expect((await fixture.server.inject({ url: '/nowhere-5678', headers })).statusCode).toBe(404);
  expect((await fixture.server.inject({ url: '/v1/things/joined', headers: { ...headers, traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` } })).statusCode).toBe(200);
  api = null;
  await fixture.close(); // flushes the spans and releases the globals it registered
  await receiver.waitFor('/v1/traces', 60_000);
  spans = receiver.jsonSpans();
  // A busy machine: starting the fixture alone has taken over 10 s.
}, 120_000);
afterAll(async () => {
  // The suites share a module graph: never leave this fixture's global telemetry behind.
  await api?.close();
  await receiver?.stop();
});

const requests = () => spans.filter((span) => span.name === 'api.request');

describe('api.request spans', () => {
  it('are named by route pattern, never by the raw URL, with the status sent', () => {
    expect(requests().map((span) => [span.attributes['http.route'], span.attributes['http.response.status_code']])).toEqual([
      ['/v1/things/:id', '200'],
      ['unmatched', '404'],
      ['/v1/things/:id', '200'],
    ]);
    expect(JSON.stringify(spans)).not.toMatch(/raw-id-1234|nowhere-5678/);
  });

  it('are the parent of what the handler starts, across its awaits', () => {
    const [first] = requests();
    const work = spans.find((span) => span.name === 'handler.work' && span.traceId === first!.traceId);
    expect(work?.parentSpanId).toBe(first!.spanId);
    expect(first!.parentSpanId).toBeNull();
  });

  it("join the client's trace when the request carries a traceparent", () => {
    const joined = requests()[2]!;
    expect([joined.traceId, joined.parentSpanId]).toEqual([CLIENT_TRACE_ID, CLIENT_SPAN_ID]);
  });
});
