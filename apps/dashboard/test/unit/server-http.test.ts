import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot, StreamMessage } from '../../src/protocol.js';
import { ScrapeSource } from '../../src/server/collect/scrape-source.js';
import { RETAINED_METRICS } from '../../src/server/collect/retained.js';
import { SeriesStore } from '../../src/server/collect/series-store.js';
import { Dashboard } from '../../src/server/dashboard.js';
import { createDashboardServer, SESSION_COOKIE, type ClientAssets } from '../../src/server/http/server.js';
import { DASHBOARD_LIMITS } from '../../src/server/limits.js';
import { TokenSet } from '../../src/server/tokens.js';
import { collectEventStream, targetsOf } from './server-fixtures.js';

/**
 * The dashboard's HTTP surface on a real server: its members' ports are closed (each round reports
 * them down, which is still a full round), so the routes, auth, sessions, rate limit, webhook and
 * stream are exercised without any node.
 */

const OBSERVER = 'observer-token-for-tests-0001';
const ALERTMANAGER = 'alertmanager-token-for-tests-01';
const ASSETS: ClientAssets = { html: '<!doctype html><title>t</title>', js: 'console.log(1)', css: 'body{}' };

async function started(): Promise<{ server: FastifyInstance; dashboard: Dashboard; telemetry: Telemetry; url: string }> {
  const telemetry = setupTelemetry({ serviceName: 'consortium-dashboard', memberId: 'dashboard', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
  const targets = { ...targetsOf(['M1', 'M2', 'M3', 'M4']), members: targetsOf(['M1', 'M2', 'M3', 'M4']).members.map((m) => ({ ...m, apiUrl: 'http://127.0.0.1:9', metricsUrl: 'http://127.0.0.1:9/metrics' })) };
  const dashboard = new Dashboard({ targets: () => targets, source: new ScrapeSource(new Set(RETAINED_METRICS)), intervalMs: 200, evaluator: null, store: new SeriesStore({ retentionMs: 60_000, seriesMax: 1_000 }), logger: telemetry.logger, followEvents: false });
  const server = await createDashboardServer({ dashboard, source: { kind: 'scrape', intervalMs: 200 }, observerTokens: new TokenSet([OBSERVER]), alertmanagerTokens: new TokenSet([ALERTMANAGER]), assets: ASSETS, telemetry, runbookFile: null });
  await server.listen({ host: '127.0.0.1', port: 0 });
  dashboard.start();
  const address = server.server.address() as { port: number };
  return { server, dashboard, telemetry, url: `http://127.0.0.1:${address.port}` };
}

async function counter(telemetry: Telemetry, line: string): Promise<number> {
  const page = (await telemetry.renderMetrics()).body;
  const found = page.split('\n').find((l) => l.startsWith(line));
  return found === undefined ? 0 : Number(found.split(' ').at(-1));
}

/** Reads server-sent events until `enough` says stop (or the deadline passes). */
async function readStream(url: string, headers: Record<string, string>, enough: (messages: StreamMessage[]) => boolean, deadlineMs = 15_000): Promise<StreamMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  const messages: StreamMessage[] = [];
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    expect(response.status).toBe(200);
    await collectEventStream(response.body as AsyncIterable<Uint8Array>, messages, () => enough(messages));
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return messages;
}

describe('dashboard HTTP server', () => {
  let app: Awaited<ReturnType<typeof started>>;
  beforeAll(async () => {
    app = await started();
    // The first round (members down) must have finished before snapshots exist.
    const deadline = Date.now() + 15_000;
    while (app.dashboard.snapshot('10m', { kind: 'scrape', intervalMs: 200 }) === null && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  });
  afterAll(async () => {
    await app.server.close();
    await app.dashboard.stop();
    await app.telemetry.shutdown();
  });

  it('serves the page, its assets and /health without a token', async () => {
    expect((await app.server.inject('/')).body).toBe(ASSETS.html);
    const js = await app.server.inject('/app.js');
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toBe(ASSETS.js);
    expect((await app.server.inject('/app.css')).body).toBe(ASSETS.css);
    expect((await app.server.inject('/health')).json()).toEqual({ status: 'ok' });
    expect((await app.server.inject('/docs/operations.md')).statusCode).toBe(404);
  });

  it('refuses the API without a token or with a bad one (401, counted as auth failures)', async () => {
    const before = await counter(app.telemetry, 'consortium_security_auth_attempts_total{outcome="bad_credentials"}');
    const missing = await app.server.inject('/api/snapshot');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await app.server.inject({ url: '/api/snapshot', headers: { authorization: 'Bearer wrong-token-000000000' } })).statusCode).toBe(401);
    expect((await app.server.inject({ url: '/api/snapshot', cookies: { [SESSION_COOKIE]: 'forged' } })).statusCode).toBe(401);
    expect((await app.server.inject({ url: '/api/stream', headers: { accept: 'text/event-stream' } })).statusCode).toBe(401);
    expect(await counter(app.telemetry, 'consortium_security_auth_attempts_total{outcome="bad_credentials"}')).toBe(before + 2);
    expect(await counter(app.telemetry, 'consortium_security_auth_attempts_total{outcome="missing_credentials"}')).toBeGreaterThanOrEqual(2);
    expect(await counter(app.telemetry, 'consortium_security_events_total{kind="auth_failed"}')).toBeGreaterThanOrEqual(4);
  });

  it('answers a snapshot with a bearer token: every member, every chart, in the asked range', async () => {
    const response = await app.server.inject({ url: '/api/snapshot?range=6h', headers: { authorization: `Bearer ${OBSERVER}` } });
    expect(response.statusCode).toBe(200);
    const snapshot = response.json<DashboardSnapshot>();
    expect(snapshot).toMatchObject({ protocol: 1, chainId: 'test-chain', range: '6h', overall: 'down', source: { kind: 'scrape' } });
    expect(snapshot.cards.map((c) => [c.member, c.status])).toEqual([['M1', 'down'], ['M2', 'down'], ['M3', 'down'], ['M4', 'down']]);
    expect(Object.keys(snapshot.charts)).toHaveLength(17);
    expect((await app.server.inject({ url: '/api/snapshot?range=1y', headers: { authorization: `Bearer ${OBSERVER}` } })).statusCode).toBe(400);
  });

  it('makes an HttpOnly SameSite=Strict session from a good token only', async () => {
    const bad = await app.server.inject({ method: 'POST', url: '/api/session', payload: { token: 'not-the-token-000000' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect((await app.server.inject({ method: 'POST', url: '/api/session', payload: { token: OBSERVER, extra: 1 } })).statusCode).toBe(400);
    const good = await app.server.inject({ method: 'POST', url: '/api/session', payload: { token: OBSERVER } });
    expect(good.statusCode).toBe(204);
    const cookie = String(good.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = /consortium_dashboard_session=([^;]+)/.exec(cookie)![1]!;
    expect((await app.server.inject({ url: '/api/snapshot', cookies: { [SESSION_COOKIE]: session } })).statusCode).toBe(200);
  });

  it('streams a snapshot first, then a tick per round', async () => {
    const messages = await readStream(`${app.url}/api/stream`, { authorization: `Bearer ${OBSERVER}` }, (m) => m.filter((x) => x.type === 'tick').length >= 2);
    expect(messages[0]?.type).toBe('snapshot');
    const ticks = messages.filter((m): m is Extract<StreamMessage, { type: 'tick' }> => m.type === 'tick');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks[1]!.nowMs).toBeGreaterThan(ticks[0]!.nowMs);
    expect(ticks[0]!.cards).toHaveLength(4);
    expect(Object.keys(ticks[1]!.points).length + Object.keys(ticks[1]!.replaced).length).toBe(17);
  });

  it('takes Alertmanager alerts with its own token only, and shows them with origin alertmanager', async () => {
    const body = { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'NodeDown', severity: 'critical', member: 'M2' }, annotations: { summary: 'M2 is down', runbook_url: 'docs/operations.md#node-down' }, startsAt: '2026-11-29T10:00:00Z' }] };
    expect((await app.server.inject({ method: 'POST', url: '/api/alertmanager', payload: body, headers: { authorization: `Bearer ${OBSERVER}` } })).statusCode).toBe(401);
    expect((await app.server.inject({ method: 'POST', url: '/api/alertmanager', payload: { alerts: [{ labels: {} }] }, headers: { authorization: `Bearer ${ALERTMANAGER}` } })).statusCode).toBe(400);
    expect((await app.server.inject({ method: 'POST', url: '/api/alertmanager', payload: body, headers: { authorization: `Bearer ${ALERTMANAGER}` } })).statusCode).toBe(204);
    const snapshot = (await app.server.inject({ url: '/api/snapshot', headers: { authorization: `Bearer ${OBSERVER}` } })).json<DashboardSnapshot>();
    expect(snapshot.alerts.active).toEqual([expect.objectContaining({ rule: 'NodeDown', origin: 'alertmanager', state: 'firing', severity: 'critical', runbookUrl: 'docs/operations.md#node-down', activeSinceMs: Date.parse('2026-11-29T10:00:00Z') })]);
    const resolved = { ...body, alerts: [{ ...body.alerts[0]!, status: 'resolved', endsAt: '2026-11-29T10:05:00Z' }] };
    expect((await app.server.inject({ method: 'POST', url: '/api/alertmanager', payload: resolved, headers: { authorization: `Bearer ${ALERTMANAGER}` } })).statusCode).toBe(204);
    const after = (await app.server.inject({ url: '/api/snapshot', headers: { authorization: `Bearer ${OBSERVER}` } })).json<DashboardSnapshot>();
    expect(after.alerts.active).toEqual([]);
    expect(after.alerts.history[0]).toMatchObject({ rule: 'NodeDown', state: 'resolved', resolvedAtMs: Date.parse('2026-11-29T10:05:00Z') });
  });
});

describe('dashboard rate limit', () => {
  it('answers the largest allowed number of requests per minute, then 429, counted', async () => {
    const app = await started();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < DASHBOARD_LIMITS.requestsPerMinute; i += 1) statuses.push((await app.server.inject('/health')).statusCode);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect((await app.server.inject('/health')).statusCode).toBe(429);
      expect(await counter(app.telemetry, 'consortium_security_rate_limited_requests_total{route="/health",scope="client"}')).toBe(1);
    } finally {
      await app.server.close();
      await app.dashboard.stop();
      await app.telemetry.shutdown();
    }
  });
});
