import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_STREAM_CLIENTS, MAX_EVENT_STREAMS_PER_CLIENT } from '../../src/http/routes/events.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/** The live event stream over a real socket (server-sent events are a long response: inject cannot read them as they come). */
let api: ApiFixture;
let url: string;

/** Observers beside the fixture's four clients: 8 clients at 4 streams each fill the node's 32, and one more is left. */
const WATCHERS = ['watcher-1', 'watcher-2', 'watcher-3', 'watcher-4', 'watcher-5'];
/** A token that expires when the tests move the node's clock past it. */
const EXPIRING = { client: 'expiring-watcher', role: 'observer', expiresAt: '2999-01-01T00:00:00Z' } as const;
let clockOffsetMs = 0;

beforeAll(async () => {
  api = await startApiFixture({ extraClients: [...WATCHERS.map((client) => ({ client, role: 'observer' as const })), EXPIRING], nowMs: () => Date.now() + clockOffsetMs });
  await api.server.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}/v1/events`;
});
afterAll(async () => {
  await api?.close();
});

interface Received {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Opens the stream with `token` and collects its events until `done` says enough (or the deadline passes). */
async function openStream(token: string) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: controller.signal });
  const received: Received[] = [];
  let buffer = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) received.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    response,
    received,
    /** Resolves when the stream ended (the server closed it, or close()). */
    ended: reading,
    async until(predicate: (events: Received[]) => boolean) {
      await expect.poll(() => predicate(received), { timeout: 30_000, interval: 20 }).toBe(true);
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe('the live event stream', () => {
  it('needs a token', async () => {
    expect((await fetch(url)).status).toBe(401);
  });

  it('shows observers the public events, an operator also its own member, an admin everything', async () => {
    const observer = await openStream(api.tokens.grafana!);
    const sfr = await openStream(api.tokens['sfr-operator']!);
    const admin = await openStream(api.tokens.root!);
    expect(observer.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    for (const stream of [observer, sfr, admin]) await stream.until((events) => events.some((e) => e.event === 'ready'));
    expect(sfr.received[0]).toEqual({ event: 'ready', data: { client: 'sfr-operator', role: 'operator', member: 'SFR-FR' } });
    await expect.poll(() => api.telemetry.registry.getSingleMetric('consortium_api_event_stream_clients')?.get().then((m) => m.values[0]?.value)).toBe(3);

    const where = { protocol: 'consensus' };
    api.events.emitSecurityEvent({ kind: 'equivocation', who: { member: 'T-Mobile-DE' }, where, what: 'two prevotes at height 9', audience: { scope: 'public' } });
    api.events.emitSecurityEvent({ kind: 'forbidden', who: { client: 'sfr-operator' }, where, what: 'sfr only', audience: { scope: 'member', member: 'SFR-FR' } });
    api.events.emitSecurityEvent({ kind: 'forbidden', who: { client: 'orange-operator' }, where, what: 'orange only', audience: { scope: 'member', member: 'Orange-FR' } });
    api.events.emitSecurityEvent({ kind: 'auth_failed', who: { ip: '192.0.2.1' }, where, what: 'admins only', audience: { scope: 'admin' } });
    api.events.publish({ type: 'block', audience: { scope: 'public' }, data: { height: 12, hash: 'ab'.repeat(32), timeMs: 1, txs: 3 } });

    const seen = (stream: Awaited<ReturnType<typeof openStream>>) => stream.received.filter((e) => e.event !== 'ready' && e.event !== 'security_notice').map((e) => (e.event === 'block' ? 'block' : (e.data.what as string)));
    await admin.until((events) => events.some((e) => e.event === 'block'));
    await observer.until((events) => events.some((e) => e.event === 'block'));
    await sfr.until((events) => events.some((e) => e.event === 'block'));
    expect(seen(admin)).toEqual(['two prevotes at height 9', 'sfr only', 'orange only', 'admins only', 'block']);
    expect(seen(sfr)).toEqual(['two prevotes at height 9', 'sfr only', 'block']);
    expect(seen(observer)).toEqual(['two prevotes at height 9', 'block']);
    expect(admin.received.find((e) => e.data.what === 'two prevotes at height 9')?.data).toMatchObject({ kind: 'equivocation', node: 'Orange-FR', who: { member: 'T-Mobile-DE' }, where });
    // Of what it may not see, the observer learns kind and count (the second forbidden event at the end of the first's window), never who, where or what.
    const notices = (stream: Awaited<ReturnType<typeof openStream>>) => stream.received.filter((e) => e.event === 'security_notice').map((e) => e.data);
    await observer.until((events) => events.filter((e) => e.event === 'security_notice').reduce((n, e) => n + (e.data.count as number), 0) === 3);
    const told = notices(observer);
    expect(told.map((notice) => `${notice.kind as string} ${notice.count as number}`).sort()).toEqual(['auth_failed 1', 'forbidden 1', 'forbidden 1']);
    for (const notice of told) {
      expect(Object.keys(notice).sort()).toEqual(['count', 'firstTimeMs', 'kind', 'lastTimeMs', 'node']);
      expect(notice.node).toBe('Orange-FR');
    }
    await admin.until((events) => events.filter((e) => e.event === 'security_notice').length === 3);

    for (const stream of [observer, sfr, admin]) await stream.close();
    await expect.poll(() => api.events.subscriberCount, { timeout: 30_000 }).toBe(0);
  });
});

describe('a usage anomaly on the event stream', () => {
  it('goes to the operators of the pair\'s two members (and admins), not to a third member\'s operator or observers', async () => {
    const orange = await openStream(api.tokens['orange-operator']!);
    const sfr = await openStream(api.tokens['sfr-operator']!);
    const observer = await openStream(api.tokens.grafana!);
    const admin = await openStream(api.tokens.root!);
    const streams = [orange, sfr, observer, admin];
    for (const stream of streams) await stream.until((events) => events.some((e) => e.event === 'ready'));
    // as follow.ts publishes what the node's anomaly detection raised on the pair Orange-FR -> T-Mobile-DE
    const anomaly = { seq: 1, kind: 'spike', creditor: 'Orange-FR', debtor: 'T-Mobile-DE', service: 'data', batchId: 'Orange-FR>T-Mobile-DE/2026-11/4', period: '2026-11', volume: '20480', baseline: '2048', height: 6, timeMs: 5 };
    api.events.publish({ type: 'settlement', audience: { scope: 'parties', members: ['Orange-FR', 'T-Mobile-DE'] }, data: { height: 6, timeMs: 5, type: 'anomaly', anomaly } });
    api.events.publish({ type: 'block', audience: { scope: 'public' }, data: { height: 13, hash: 'cd'.repeat(32), timeMs: 6, txs: 0 } });
    for (const stream of streams) await stream.until((events) => events.some((e) => e.event === 'block' && e.data.height === 13));
    const anomalies = (stream: Awaited<ReturnType<typeof openStream>>) => stream.received.filter((e) => e.event === 'settlement' && e.data.type === 'anomaly').map((e) => e.data.anomaly);
    expect(anomalies(orange)).toEqual([anomaly]);
    expect(anomalies(admin)).toEqual([anomaly]);
    expect(anomalies(sfr)).toEqual([]);
    expect(anomalies(observer)).toEqual([]);
    for (const stream of streams) await stream.close();
    await expect.poll(() => api.events.subscriberCount, { timeout: 30_000 }).toBe(0);
  });
});

describe('event stream limits', () => {
  type Stream = Awaited<ReturnType<typeof openStream>>;
  /** A stream that is open: its `ready` event arrived (the node subscribed it before sending that). */
  async function openReady(token: string): Promise<Stream> {
    const stream = await openStream(token);
    expect(stream.response.status).toBe(200);
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    return stream;
  }
  /**
   * A request for a stream the node refuses, on a connection of its own that closes after the
   * answer (fetch would keep it alive in its pool, and the server's close waits for it).
   */
  function refusedStream(token: string): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const sent = request(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', connection: 'close' }, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) as unknown }));
      });
      sent.on('error', reject);
      sent.end();
    });
  }
  const refusedCount = async (limit: 'client' | 'node') => Number(new RegExp(`consortium_api_event_streams_refused_total\\{limit="${limit}"\\} (\\d+)`).exec(await api.telemetry.registry.metrics())?.[1]);
  async function closeAll(streams: readonly Stream[]) {
    for (const stream of streams) await stream.close();
    await expect.poll(() => api.events.subscriberCount, { timeout: 30_000 }).toBe(0);
  }

  it("refuses a client's fifth stream with 429 too_many_client_streams, counted and logged, while other clients get theirs; a closed stream frees its place", async () => {
    const grafana: Stream[] = [];
    const others: Stream[] = [];
    try {
      for (let i = 0; i < MAX_EVENT_STREAMS_PER_CLIENT; i += 1) grafana.push(await openReady(api.tokens.grafana!));
      const fifth = await refusedStream(api.tokens.grafana!);
      expect(fifth.status).toBe(429);
      expect(fifth.body).toEqual({ error: 'too_many_client_streams', message: `at most ${MAX_EVENT_STREAMS_PER_CLIENT} event streams per client at once (grafana holds ${MAX_EVENT_STREAMS_PER_CLIENT})` });
      expect(await refusedCount('client')).toBe(1);
      const logged = (await api.securityLogLines()).filter((line) => line.kind === 'rate_limited');
      expect(logged.at(-1)).toMatchObject({ who: { client: 'grafana', role: 'observer', ip: '127.0.0.1' }, where: { method: 'GET', route: '/v1/events' }, audience: { scope: 'admin' } });
      // Another client is not held back by grafana's share.
      others.push(await openReady(api.tokens['watcher-1']!));
      // grafana closes one and may open one again.
      await grafana.pop()!.close();
      await expect.poll(() => api.events.subscriberCountOf('grafana'), { timeout: 30_000 }).toBe(MAX_EVENT_STREAMS_PER_CLIENT - 1);
      grafana.push(await openReady(api.tokens.grafana!));
    } finally {
      await closeAll([...grafana, ...others]);
    }
  });

  it(`refuses the ${MAX_EVENT_STREAM_CLIENTS + 1}rd stream with 503 too_many_streams once ${MAX_EVENT_STREAM_CLIENTS} are open, counted; no client holds more than ${MAX_EVENT_STREAMS_PER_CLIENT} of them`, async () => {
    const holders = ['grafana', 'root', 'sfr-operator', 'orange-operator', ...WATCHERS.slice(0, 4)];
    expect(holders.length * MAX_EVENT_STREAMS_PER_CLIENT).toBe(MAX_EVENT_STREAM_CLIENTS);
    const streams: Stream[] = [];
    const refusedBefore = (await refusedCount('node')) || 0;
    try {
      for (const holder of holders) for (let i = 0; i < MAX_EVENT_STREAMS_PER_CLIENT; i += 1) streams.push(await openReady(api.tokens[holder]!));
      expect(api.events.subscriberCount).toBe(MAX_EVENT_STREAM_CLIENTS);
      // A client holding none is refused too: the node is full.
      const last = await refusedStream(api.tokens['watcher-5']!);
      expect(last.status).toBe(503);
      expect(last.body).toEqual({ error: 'too_many_streams', message: `at most ${MAX_EVENT_STREAM_CLIENTS} event streams at once` });
      expect(await refusedCount('node')).toBe(refusedBefore + 1);
      // A client at its share hears of its own limit first.
      expect(await refusedStream(api.tokens.grafana!)).toMatchObject({ status: 429, body: { error: 'too_many_client_streams' } });
      for (const holder of holders) expect(api.events.subscriberCountOf(holder)).toBe(MAX_EVENT_STREAMS_PER_CLIENT);
    } finally {
      await closeAll(streams);
    }
  });
});

describe('event streams of revoked and expired tokens', () => {
  it('ends the streams of a token a reload removed at once, and of an expired token at its next event; other streams go on', async () => {
    const held = api.clients.records;
    const revoked = await openStream(api.tokens['watcher-1']!);
    const expiring = await openStream(api.tokens[EXPIRING.client]!);
    const staying = await openStream(api.tokens['watcher-2']!);
    try {
      for (const stream of [revoked, expiring, staying]) await stream.until((events) => events.some((e) => e.event === 'ready'));
      api.clients.replace(held.filter((record) => record.client !== 'watcher-1'));
      await revoked.ended;
      await expect.poll(() => api.events.subscriberCountOf('watcher-1'), { timeout: 30_000 }).toBe(0);

      // Expired: the node's clock passes expiresAt; the next event ends the stream instead of reaching it.
      clockOffsetMs = Date.parse(EXPIRING.expiresAt) - Date.now() + 60_000;
      api.events.publish({ type: 'block', audience: { scope: 'public' }, data: { height: 99, hash: 'cd'.repeat(32), timeMs: 1, txs: 0 } });
      await expiring.ended;
      expect(expiring.received.some((e) => e.event === 'block')).toBe(false);
      await staying.until((events) => events.some((e) => e.event === 'block' && e.data.height === 99));
      expect(api.events.subscriberCountOf('watcher-2')).toBe(1);
    } finally {
      clockOffsetMs = 0;
      api.clients.replace(held);
      for (const stream of [revoked, expiring, staying]) await stream.close();
      await expect.poll(() => api.events.subscriberCount, { timeout: 30_000 }).toBe(0);
    }
  });
});
