import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/** The live event stream over a real socket (server-sent events are a long response: inject cannot read them as they come). */
let api: ApiFixture;
let url: string;

beforeAll(async () => {
  api = await startApiFixture();
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
