import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * Slow clients over a real socket (inject() has no clock): a client that trickles its headers or
 * its body is answered 408 and cut off once its time is up, counted as a security event, and
 * the node answers other clients meanwhile. The limits are seconds here; the node's are 10 s
 * (headers) and 30 s (request).
 */
let api: ApiFixture;
let port = 0;
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

beforeAll(async () => {
  api = await startApiFixture({ requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS });
  await api.server.listen({ host: '127.0.0.1', port: 0 });
  port = (api.server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await api?.close();
});

/** A raw connection that keeps what the server sends and says when it closed. */
async function rawClient(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  const openedMs = Date.now();
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - openedMs)));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text, closed };
}

async function invalidTimeouts(): Promise<number> {
  const page = await api.telemetry.registry.metrics();
  return Number(/consortium_api_invalid_requests_total\{route="unmatched",reason="timeout"\} (\d+)/.exec(page)?.[1] ?? 0);
}

describe('slow clients', () => {
  it('cuts off a client that trickles its headers with 408 once the headers time is up, counted, while others are answered', async () => {
    const before = await invalidTimeouts();
    const slow = await rawClient();
    slow.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // Meanwhile another client is served at once.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const aliveMs = await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    // Cut at its deadline, give or take Node's check interval (half the deadline here), not tens of seconds later.
    expect(aliveMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(aliveMs).toBeLessThan(10_000);
    expect(await invalidTimeouts()).toBe(before + 1);
    const events = (await api.securityLogLines()).filter((line) => line.kind === 'invalid_request' && String(line.what).includes('slow client'));
    expect(events.length).toBeGreaterThanOrEqual(1);
  });

  it('cuts off a client that sends its headers and then trickles its body, once the request time is up', async () => {
    const before = await invalidTimeouts();
    const slow = await rawClient();
    // An operator's request (refused before its body otherwise), whose body never completes.
    slow.socket.write(`POST /v1/txs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.tokens['orange-operator']!}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"tx":"`);
    const trickle = setInterval(() => slow.socket.write('A'), 200);
    const aliveMs = await slow.closed;
    clearInterval(trickle);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(aliveMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(aliveMs).toBeLessThan(10_000);
    expect(await invalidTimeouts()).toBe(before + 1);
  });

  it('answers bytes that are not HTTP with 400 and closes, counted as malformed', async () => {
    const client = await rawClient();
    client.socket.write('\u0000\u0001 not http at all\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 400 /);
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_security_invalid_messages_total\{kind="malformed"\} [1-9]/);
  });
});
