import { DEFAULT_BODY_LIMIT_BYTES } from '@consortium/node-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_NESTING_MAX } from '../../src/http/json-depth.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/** Rate limits, schemas and body limits: every refusal happens before a handler (the fixture has no chain). */
let api: ApiFixture;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const REMOTE = '198.51.100.7';
const BODY_LIMIT_BYTES = 4_096;

beforeAll(async () => {
  api = await startApiFixture({
    bodyLimitBytes: BODY_LIMIT_BYTES,
    rateLimits: { windowMs: 60_000, perRole: { anonymous: 5, observer: 4, operator: 100, admin: 100 }, perRoute: { 'GET /openapi.json': { anonymous: 2 } } },
  });
});
afterAll(async () => {
  await api?.close();
});

describe('rate limits per client and route', () => {
  it('answers 429 with Retry-After once a route override is spent, and counts it', async () => {
    for (let i = 0; i < 2; i += 1) expect((await api.server.inject({ url: '/openapi.json' })).statusCode).toBe(200);
    const limited = await api.server.inject({ url: '/openapi.json' });
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({ error: 'rate_limited', message: 'at most 2 requests per 60000 ms on this route', retryAfterSeconds: retryAfter });
    // Another route keeps its own budget (the role's: 5 for anonymous).
    expect((await api.server.inject({ url: '/health' })).statusCode).toBe(200);
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_security_rate_limited_requests_total\{route="\/openapi.json",scope="route"\} 1/);
    expect((await api.securityLogLines()).filter((line) => line.kind === 'rate_limited')).toHaveLength(1);
  });

  it('limits each client by its role, separately from other clients', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await api.server.inject({ url: '/health', remoteAddress: REMOTE, headers: bearer(api.tokens.grafana!) })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    // The admin's budget on the same route is its own.
    expect((await api.server.inject({ url: '/health', remoteAddress: REMOTE, headers: bearer(api.tokens.root!) })).statusCode).toBe(200);
  });

  it('limits callers without a valid token by address, so guessing tokens runs out too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await api.server.inject({ url: '/v1/status', remoteAddress: '192.0.2.50', headers: bearer(`cst_guess${i}`) })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('request validation and limits', () => {
  const submit = (payload: unknown, headers: Record<string, string> = {}) =>
    api.server.inject({ method: 'POST', url: '/v1/txs', payload: payload as string, headers: { ...bearer(api.tokens['sfr-operator']!), 'content-type': 'application/json', ...headers } });

  it('answers 400 naming the field for a body that fails its schema', async () => {
    const notBase64 = await submit({ tx: 'not base64!' });
    expect(notBase64.statusCode).toBe(400);
    expect(notBase64.json()).toEqual({ error: 'invalid_request', field: 'body.tx', message: 'body.tx must match pattern "^[A-Za-z0-9+/]+={0,2}$"' });
    expect((await submit({})).json()).toEqual({ error: 'invalid_request', field: 'body.tx', message: 'body.tx is required' });
    expect((await submit({ tx: 'AAAA', fee: 1 })).json()).toEqual({ error: 'invalid_request', field: 'body.fee', message: 'body.fee is not a known field' });
    const batch = await api.server.inject({ method: 'POST', url: '/v1/txs/batch', payload: { txs: [] }, headers: bearer(api.tokens.root!) });
    expect(batch.json()).toMatchObject({ error: 'invalid_request', field: 'body.txs' });
  });

  it('answers 400 naming the parameter for a bad path', async () => {
    const headers = bearer(api.tokens.root!);
    expect((await api.server.inject({ url: '/v1/blocks/0', headers })).json()).toEqual({ error: 'invalid_request', field: 'params.height', message: 'params.height must be >= 1' });
    expect((await api.server.inject({ url: '/v1/txs/xyz', headers })).json()).toMatchObject({ error: 'invalid_request', field: 'params.hash' });
  });

  it('answers 400 for JSON that does not parse, and 413 for a body over the limit', async () => {
    const broken = await submit('{"tx": ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: 'invalid_request', field: 'body' });
    const large = await submit({ tx: 'A'.repeat(BODY_LIMIT_BYTES) });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toEqual({ error: 'body_too_large', field: 'body', message: `the body is larger than this node takes (${BODY_LIMIT_BYTES} bytes)` });
    // The largest body the limit allows is read and checked (it fails the schema, not the limit).
    const prefix = '{"tx":"';
    const largest = await submit(`${prefix}${'A'.repeat(BODY_LIMIT_BYTES - prefix.length - 3)}!"}`);
    expect(largest.statusCode).toBe(400);
    expect(largest.json()).toMatchObject({ field: 'body.tx' });
  });

  it('refuses a body nested as deep as the node\'s default body limit allows with 400 json_too_deep before parsing it, counted, and answers afterwards', async () => {
    // 8 MiB of nesting: JSON.parse took 9 s of the event loop for this on a 2-core machine.
    const deep = await startApiFixture({ bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES });
    try {
      const post = (body: string) => deep.server.inject({ method: 'POST', url: '/v1/txs', payload: body, headers: { ...bearer(deep.tokens['orange-operator']!), 'content-type': 'application/json' } });
      const prefix = '{"tx":';
      const levels = Math.floor((DEFAULT_BODY_LIMIT_BYTES - prefix.length - 1) / 2);
      const deepest = `${prefix}${'['.repeat(levels)}${']'.repeat(levels)}}`;
      // Within a byte of the limit (brackets come in pairs).
      expect(DEFAULT_BODY_LIMIT_BYTES - Buffer.byteLength(deepest)).toBeGreaterThanOrEqual(0);
      expect(DEFAULT_BODY_LIMIT_BYTES - Buffer.byteLength(deepest)).toBeLessThanOrEqual(1);
      const refused = await post(deepest);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ error: 'json_too_deep', field: 'body', message: `the JSON body nests deeper than ${JSON_NESTING_MAX} levels` });
      // Objects nest as arrays do.
      expect((await post(`${prefix}${'{"a":'.repeat(JSON_NESTING_MAX)}1${'}'.repeat(JSON_NESTING_MAX)}}`)).json()).toMatchObject({ error: 'json_too_deep' });
      // Brackets inside strings do not nest; nesting up to the bound is parsed and meets the schema instead.
      expect((await post(`{"tx":"${'['.repeat(1_000)}"}`)).json()).toMatchObject({ error: 'invalid_request', field: 'body.tx' });
      const atBound = `{"tx":${'['.repeat(JSON_NESTING_MAX - 1)}${']'.repeat(JSON_NESTING_MAX - 1)}}`;
      expect((await post(atBound)).json()).toMatchObject({ error: 'invalid_request', field: 'body.tx' });
      expect((await post(`{"tx":${'['.repeat(JSON_NESTING_MAX)}${']'.repeat(JSON_NESTING_MAX)}}`)).json()).toMatchObject({ error: 'json_too_deep' });
      // The server answers afterwards, and counted each refusal as bad input of the client.
      expect((await deep.server.inject({ url: '/health' })).statusCode).toBe(200);
      expect(await deep.telemetry.registry.metrics()).toMatch(/consortium_api_invalid_requests_total\{route="\/v1\/txs",reason="bad_request"\} 5\n/);
      const events = (await deep.securityLogLines()).filter((line) => line.kind === 'invalid_request' && String(line.what).includes('nests deeper'));
      expect(events).toHaveLength(3);
      expect(events[0]).toMatchObject({ who: { client: 'orange-operator', role: 'operator', member: 'Orange-FR' }, where: { method: 'POST', route: '/v1/txs' } });
    } finally {
      await deep.close();
    }
  });

  it('counts refused input and writes it to the security log', async () => {
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_api_invalid_requests_total\{route="\/v1\/txs",reason="bad_request"\} [1-9]/);
    expect(page).toMatch(/consortium_api_invalid_requests_total\{route="\/v1\/txs",reason="body_too_large"\} 1/);
    expect(page).toMatch(/consortium_security_invalid_messages_total\{kind="oversized"\} 1/);
    const invalid = (await api.securityLogLines()).filter((line) => line.kind === 'invalid_request');
    expect(invalid[0]).toMatchObject({ who: { client: 'sfr-operator', role: 'operator', member: 'SFR-FR' }, where: { method: 'POST', route: '/v1/txs' }, audience: { scope: 'member', member: 'SFR-FR' } });
  });
});

describe('OpenAPI', () => {
  it('describes every route from the same schemas', async () => {
    const response = await api.server.inject({ url: '/openapi.json', headers: bearer(api.tokens.root!) });
    expect(response.statusCode).toBe(200);
    const document = response.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>();
    expect(document.openapi).toMatch(/^3\./);
    const described = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const routes = api.server.accessTable.filter(({ method }) => method !== 'HEAD').map(({ method, url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(8);
    expect(described.sort()).toEqual(expect.arrayContaining(routes.sort()));
    expect(JSON.stringify(document.paths['/v1/txs']!.post!.requestBody)).toContain('^[A-Za-z0-9+/]+={0,2}$');
  });
});
