import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../src/chaos/fault-proxy.js';
import { waitFor } from '../../src/devnet/wait.js';

/** An echo server on loopback: what a node's p2p port is to the proxy. */
async function echoServer(): Promise<{ server: Server; port: number; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, connections };
}

/** A client through the proxy that keeps what it receives. */
async function client(port: number): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, received: () => text, closed: () => closed };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(retransmitDelayMs = 200, bufferMaxBytes?: number) {
  const echo = await echoServer();
  const proxy = await FaultProxy.start({ targetPort: echo.port, name: 'a->b', seed: 'test', retransmitDelayMs, ...(bufferMaxBytes === undefined ? {} : { bufferMaxBytes }) });
  cleanups.push(async () => {
    await proxy.close();
    for (const socket of echo.connections) socket.destroy();
    await new Promise((resolve) => echo.server.close(resolve));
  });
  return { echo, proxy };
}

describe('FaultProxy', () => {
  it('forwards both ways untouched when no fault is set, and counts the bytes', async () => {
    const { proxy } = await setup();
    const c = await client(proxy.port);
    c.socket.write('hello');
    await waitFor('the echo back', () => c.received() === 'hello', 10_000, 5);
    expect(proxy.snapshot()).toMatchObject({ connections: 1, bytes: 10, lostChunks: 0 });
  });

  it('holds everything across a cut, both ways, and delivers it in order once the link heals', async () => {
    const { echo, proxy } = await setup();
    const c = await client(proxy.port);
    c.socket.write('before;');
    await waitFor('the first echo', () => c.received() === 'before;', 10_000, 5);
    proxy.setCut(true);
    c.socket.write('during-1;');
    c.socket.write('during-2;');
    // A new connection during the cut is accepted and stays silent.
    const late = await client(proxy.port);
    late.socket.write('late;');
    await waitFor('the proxy holding what was sent', () => echo.connections.length === 2, 10_000, 5);
    expect(c.received()).toBe('before;');
    expect(late.received()).toBe('');
    proxy.setCut(false);
    await waitFor('everything held, echoed in order', () => c.received() === 'before;during-1;during-2;' && late.received() === 'late;', 10_000, 5);
  });

  it('keeps a close from crossing a cut until it heals', async () => {
    const { echo, proxy } = await setup();
    const c = await client(proxy.port);
    c.socket.write('x');
    await waitFor('connected through', () => c.received() === 'x', 10_000, 5);
    proxy.setCut(true);
    let serverSideClosed = false;
    echo.connections[0]!.on('close', () => (serverSideClosed = true));
    c.socket.destroy();
    await waitFor('the client closed', () => c.closed(), 10_000, 5);
    // The far end is told only when the link heals; a probe connection shows the proxy went on.
    const probe = await client(proxy.port);
    expect(serverSideClosed).toBe(false);
    proxy.setCut(false);
    await waitFor('the far end closed after the heal', () => serverSideClosed, 10_000, 5);
    probe.socket.destroy();
  });

  it('adds latency to every chunk, keeping their order', async () => {
    const { proxy } = await setup();
    proxy.setFaults({ latencyMs: 60, lossRate: 0 });
    const c = await client(proxy.port);
    const startedMs = Date.now();
    c.socket.write('a');
    c.socket.write('b');
    await waitFor('both echoed', () => c.received() === 'ab', 10_000, 2);
    // Out and back: two delays of 60 ms at least.
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(120);
  });

  it('holds a lost chunk for the retransmission delay, and the chunks behind it wait for it', async () => {
    const { proxy } = await setup(150);
    proxy.setFaults({ latencyMs: 0, lossRate: 1 });
    const c = await client(proxy.port);
    const startedMs = Date.now();
    c.socket.write('1');
    await waitFor('the first chunk drawn lost', () => proxy.snapshot().lostChunks === 1, 10_000, 1);
    proxy.setFaults({ latencyMs: 0, lossRate: 0 });
    c.socket.write('2');
    await waitFor('both echoed', () => c.received().length === 2, 10_000, 2);
    expect(c.received()).toBe('12');
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(150);
  });

  it('resets a connection that piles up more than its buffer across a cut', async () => {
    const { proxy } = await setup(200, 1_024);
    const c = await client(proxy.port);
    proxy.setCut(true);
    c.socket.write(Buffer.alloc(4_096, 1));
    await waitFor('the connection reset', () => c.closed(), 10_000, 5);
    expect(proxy.snapshot().resets).toBe(1);
  });

  it('refuses faults out of range', async () => {
    const { proxy } = await setup();
    expect(() => proxy.setFaults({ latencyMs: -1, lossRate: 0 })).toThrow(RangeError);
    expect(() => proxy.setFaults({ latencyMs: 0, lossRate: 1.5 })).toThrow(/loss in 0\.\.1/);
  });
});
