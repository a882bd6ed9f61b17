import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * Open connections per remote address, over real sockets: a client that opens more idle TCP
 * connections than http.maxConnectionsPerAddress has the next one closed on arrival, counted
 * and logged, while another address is served. Loopback has a whole /8 on Linux, so 127.0.0.2
 * is a second client.
 */
let api: ApiFixture;
let port = 0;
const MAX_CONNECTIONS_PER_ADDRESS = 4;
const FLOODER = '127.0.0.1';
const OTHER = '127.0.0.2';

beforeAll(async () => {
  api = await startApiFixture({ maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS });
  await api.server.listen({ host: '0.0.0.0', port: 0 });
  port = (api.server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await api?.close();
});

/** An idle connection from `localAddress` and the promise of its close. */
async function idleConnection(localAddress: string): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed, received: () => text };
}

/** One HTTP request on a fresh connection from `localAddress` (closed after the answer). */
async function healthFrom(localAddress: string): Promise<string> {
  const client = await idleConnection(localAddress);
  // 127.0.0.2 is not loopback to the node (only 127.0.0.1 and ::1 are): an observer token.
  client.socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.tokens.grafana!}\r\nConnection: close\r\n\r\n`);
  await client.closed;
  return client.received();
}

const openConnections = () => new Promise<number>((resolve, reject) => api.server.server.getConnections((error, count) => (error === null ? resolve(count) : reject(error))));
const refusedConnections = async () => Number(/consortium_api_connections_refused_total (\d+)/.exec(await api.telemetry.registry.metrics())?.[1]);

describe('connections per remote address', () => {
  it(`closes a connection beyond ${MAX_CONNECTIONS_PER_ADDRESS} from one address on arrival, counted and logged, while another address is served; a freed place is taken again`, async () => {
    const held = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i += 1) held.push(await idleConnection(FLOODER));
    // The server counts a connection when it accepts it: wait until it holds them all.
    await expect.poll(() => openConnections(), { timeout: 30_000 }).toBe(MAX_CONNECTIONS_PER_ADDRESS);

    const excess = await idleConnection(FLOODER);
    await excess.closed;
    expect(excess.received()).toBe('');
    await expect.poll(refusedConnections, { timeout: 30_000 }).toBe(1);
    // The held ones are untouched, and another address is served meanwhile.
    expect(held.every((connection) => !connection.socket.destroyed)).toBe(true);
    expect(await healthFrom(OTHER)).toMatch(/^HTTP\/1\.1 200 /);

    const events = (await api.securityLogLines()).filter((line) => line.kind === 'rate_limited');
    expect(events).toEqual([
      expect.objectContaining({ who: { ip: FLOODER }, where: { protocol: 'tcp' }, audience: { scope: 'admin' }, what: `connection refused: ${FLOODER} already holds ${MAX_CONNECTIONS_PER_ADDRESS} open connections (http.maxConnectionsPerAddress)` }),
    ]);
    expect(await api.telemetry.registry.metrics()).toMatch(/consortium_security_events_total\{kind="rate_limited"\} 1\n/);

    // A burst of refusals is counted one by one, and logged at most once a second per address:
    // ten refusals arriving together make fewer events than refusals (the later ones carry the count).
    const burst = await Promise.all(Array.from({ length: 10 }, () => idleConnection(FLOODER)));
    await Promise.all(burst.map((connection) => connection.closed));
    await expect.poll(refusedConnections, { timeout: 30_000 }).toBe(11);
    const logged = (await api.securityLogLines()).filter((line) => line.kind === 'rate_limited');
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThan(11);

    // One held connection closes: its place is free for the next.
    held.pop()!.socket.destroy();
    await expect.poll(() => openConnections(), { timeout: 30_000 }).toBe(MAX_CONNECTIONS_PER_ADDRESS - 1);
    expect(await healthFrom(FLOODER)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await refusedConnections()).toBe(11);
    for (const connection of held) connection.socket.destroy();
  });
});
