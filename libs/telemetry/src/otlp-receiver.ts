import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span from an http/json export; attribute values as strings (numbers and booleans too). */
export interface ReceivedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  /** null for a root span. */
  readonly parentSpanId: string | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly resource: Readonly<Record<string, string>>;
}

type JsonValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type JsonAttributes = { key: string; value: JsonValue }[] | undefined;
type JsonTraces = {
  resourceSpans?: {
    resource?: { attributes?: JsonAttributes };
    scopeSpans?: { spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes?: JsonAttributes; links?: { traceId: string; spanId: string }[] }[] }[];
  }[];
};

function attributesOf(attributes: JsonAttributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of attributes ?? []) out[key] = String(value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? '');
  return out;
}

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A minimal OTLP/HTTP receiver on loopback, for tests: accepts POSTs to /v1/traces and
 * /v1/metrics, keeps the bodies and answers 200, as an OpenTelemetry Collector would. Stands in
 * for the collector, which is outside the project (Debian has none). `jsonSpans()` reads the
 * spans of http/json trace exports.
 */
export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
        const json = request.headers['content-type']?.includes('json') ?? false;
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        response.end(json ? '{}' : '');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Waits until a request to `path` arrived, or fails after timeoutMs (generous: a busy machine exports late). */
  async waitFor(path: string, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.on(path).length === 0) {
      if (Date.now() > deadline) {
        const received = this.requests.map((request) => request.path).join(', ') || 'none';
        throw new Error(`no OTLP request to ${path} within ${timeoutMs} ms; requests received: ${received}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.on(path);
  }

  /** Every span received so far from http/json trace exports, with its resource's attributes. */
  jsonSpans(): ReceivedSpan[] {
    const spans: ReceivedSpan[] = [];
    for (const request of this.on('/v1/traces')) {
      if (!(request.headers['content-type']?.includes('json') ?? false)) continue;
      const body = JSON.parse(request.body.toString('utf8')) as JsonTraces;
      for (const { resource, scopeSpans } of body.resourceSpans ?? []) {
        const resourceAttributes = attributesOf(resource?.attributes);
        for (const { spans: scoped } of scopeSpans ?? []) {
          for (const span of scoped ?? []) {
            spans.push({
              name: span.name,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId === undefined || span.parentSpanId === '' ? null : span.parentSpanId,
              attributes: attributesOf(span.attributes),
              links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
              resource: resourceAttributes,
            });
          }
        }
      }
    }
    return spans;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
