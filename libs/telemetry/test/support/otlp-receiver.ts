import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A minimal OTLP/HTTP receiver on loopback: accepts POSTs to /v1/traces and /v1/metrics, keeps
 * the bodies and answers 200, as an OpenTelemetry Collector would. Stands in for the
 * collector, which is outside the project (Debian has none).
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

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
