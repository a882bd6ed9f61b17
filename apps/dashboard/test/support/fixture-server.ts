/**
 * A stand-in for the dashboard server, for the client's component-level browser test only: it
 * serves the real bundle (bundleClient) and speaks the routes of protocol.ts, with snapshots
 * from snapshot-fixture.ts and stream messages the test pushes. It collects nothing from any
 * node; the devnet e2e runs the client against the real server instead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleClient } from '../../src/client/bundle.js';
import type { ChartRange, DashboardSnapshot, StreamMessage } from '../../src/protocol.js';

const SESSION_COOKIE = 'dashboard_session';

export interface FixtureServerOptions {
  /** The one token `POST /api/session` accepts. */
  readonly token: string;
  /** The snapshot served for a range (and sent first on each stream). */
  readonly snapshot: (range: ChartRange) => DashboardSnapshot;
  /** Answer the first this many snapshot requests 503, as the real server does before its first collection round. */
  readonly notReadyAnswers?: number;
}

export class FixtureServer {
  private readonly streams = new Set<ServerResponse>();
  private readonly sessionId = `session-${process.pid}-${Date.now()}`;
  /** Snapshot requests by range, for assertions on what the client asked. */
  readonly snapshotRequests: ChartRange[] = [];
  private notReadyLeft: number;

  private constructor(
    private readonly server: Server,
    private readonly options: FixtureServerOptions,
  ) {
    this.notReadyLeft = options.notReadyAnswers ?? 0;
  }

  static async start(options: FixtureServerOptions): Promise<FixtureServer> {
    const bundle = await bundleClient();
    let fixture: FixtureServer | null = null;
    const server = createServer((request, response) => {
      fixture?.handle(request, response, bundle).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    fixture = new FixtureServer(server, options);
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    return fixture;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connectedStreams(): number {
    return this.streams.size;
  }

  /** Sends one message to every open stream, as the real server does (`event:` = type). */
  push(message: StreamMessage): void {
    const frame = `event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }

  /** Sends raw text as an event (for a malformed message). */
  pushRaw(type: string, data: string): void {
    for (const stream of this.streams) stream.write(`event: ${type}\ndata: ${data}\n\n`);
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
  }

  private signedIn(request: IncomingMessage): boolean {
    return (request.headers.cookie ?? '').split(/;\s*/).includes(`${SESSION_COOKIE}=${this.sessionId}`);
  }

  private async handle(request: IncomingMessage, response: ServerResponse, bundle: { html: string; js: string; css: string }): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method === 'GET' && url.pathname === '/') return send(200, 'text/html; charset=utf-8', bundle.html);
    if (request.method === 'GET' && url.pathname === '/app.js') return send(200, 'text/javascript; charset=utf-8', bundle.js);
    if (request.method === 'GET' && url.pathname === '/app.css') return send(200, 'text/css; charset=utf-8', bundle.css);
    if (request.method === 'POST' && url.pathname === '/api/session') {
      const body = await readBody(request);
      const token = (JSON.parse(body) as { token?: unknown }).token;
      if (token !== this.options.token) return send(401, 'application/json', '{"error":"bad token"}');
      response.writeHead(204, { 'set-cookie': `${SESSION_COOKIE}=${this.sessionId}; HttpOnly; SameSite=Strict; Path=/` });
      response.end();
      return;
    }
    if (!this.signedIn(request)) return send(401, 'application/json', '{"error":"no session"}');
    if (request.method === 'GET' && url.pathname === '/api/snapshot') {
      const range = (url.searchParams.get('range') ?? '10m') as ChartRange;
      this.snapshotRequests.push(range);
      if (this.notReadyLeft > 0) {
        this.notReadyLeft--;
        return send(503, 'application/json', '{"error":"not_ready","message":"the first collection round has not finished"}');
      }
      return send(200, 'application/json', JSON.stringify(this.options.snapshot(range)));
    }
    if (request.method === 'GET' && url.pathname === '/api/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      this.streams.add(response);
      request.on('close', () => this.streams.delete(response));
      response.write(`event: snapshot\ndata: ${JSON.stringify({ type: 'snapshot', snapshot: this.options.snapshot('10m') })}\n\n`);
      return;
    }
    send(404, 'text/plain', 'not found');
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
