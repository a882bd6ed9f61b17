import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { requireActingFor } from '../../src/http/auth.js';
import type { ApiRoutes } from '../../src/http/routes/index.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * Two routes shaped like the settlement routes to come: a member's private data by path
 * parameter (`memberParam`), and an action whose member is in the body (`requireActingFor`).
 */
const memberRoutes: ApiRoutes = (server) => {
  server.get<{ Params: { member: string } }>('/v1/members/:member/private', { config: { access: 'operator', memberParam: 'member' }, schema: { params: Type.Object({ member: Type.String() }) } }, (request) => ({ member: request.params.member }));
  server.post<{ Body: { member: string } }>('/v1/acts', { config: { access: 'operator' }, schema: { body: Type.Object({ member: Type.String() }, { additionalProperties: false }) } }, (request) => {
    requireActingFor(request, request.body.member);
    return { actedFor: request.body.member };
  });
};

let api: ApiFixture;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const REMOTE = '203.0.113.9';

/** Tokens past their expiresAt (and one far from it), beside the fixture's clients. */
const EXPIRING_CLIENTS = [
  { client: 'old-grafana', role: 'observer', expiresAt: '2020-01-01T00:00:00Z' },
  { client: 'old-sfr-operator', role: 'operator', member: 'SFR-FR', expiresAt: '2024-06-30T23:59:59+02:00' },
  { client: 'new-grafana', role: 'observer', expiresAt: '2999-12-31T00:00:00Z' },
] as const;

beforeAll(async () => {
  api = await startApiFixture({ extraRoutes: [memberRoutes], extraClients: EXPIRING_CLIENTS });
});
afterAll(async () => {
  await api?.close();
});

describe('API authentication and roles', () => {
  it('answers /health, /ready and /metrics without a token on loopback only; elsewhere an observer token is needed', async () => {
    for (const url of ['/health', '/metrics']) {
      expect((await api.server.inject({ url })).statusCode).toBe(200);
      const remote = await api.server.inject({ url, remoteAddress: REMOTE });
      expect(remote.statusCode).toBe(401);
      expect(remote.headers['www-authenticate']).toBe('Bearer realm="consortium-node"');
      expect((await api.server.inject({ url, remoteAddress: REMOTE, headers: bearer(api.tokens.grafana!) })).statusCode).toBe(200);
    }
    expect((await api.server.inject({ url: '/ready' })).statusCode).toBeLessThan(400);
  });

  it('refuses a missing, malformed or unknown token with 401 and WWW-Authenticate, before any handler runs', async () => {
    const missing = await api.server.inject({ method: 'POST', url: '/v1/txs', payload: { tx: 'AAAA' } });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: 'unauthorized', message: 'this route needs a bearer token (Authorization: Bearer <token>)' });
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="consortium-node"');
    const unknown = await api.server.inject({ method: 'POST', url: '/v1/txs', payload: { tx: 'AAAA' }, headers: bearer(`${api.tokens['sfr-operator']!}x`) });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toBe('Bearer realm="consortium-node", error="invalid_token"');
    const malformed = await api.server.inject({ url: '/v1/status', headers: { authorization: 'Basic dXNlcjpwdw==' } });
    expect(malformed.statusCode).toBe(401);
    // A wrong token is refused even where none is needed.
    expect((await api.server.inject({ url: '/health', headers: bearer('cst_wrong') })).statusCode).toBe(401);
  });

  it('refuses an action beyond the role with 403: an observer cannot submit', async () => {
    const response = await api.server.inject({ method: 'POST', url: '/v1/txs', payload: { tx: 'AAAA' }, headers: bearer(api.tokens.grafana!) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'forbidden', message: 'grafana is observer; this route needs operator' });
  });

  it('counts and logs each refusal as a security event with the client, address and route', async () => {
    const before = await api.securityLogLines();
    await api.server.inject({ method: 'POST', url: '/v1/txs/batch', payload: { txs: ['AAAA'] }, headers: bearer(api.tokens.grafana!), remoteAddress: REMOTE });
    await api.server.inject({ url: '/v1/blocks/3', remoteAddress: REMOTE });
    const lines = (await api.securityLogLines()).slice(before.length);
    expect(lines).toEqual([
      expect.objectContaining({
        kind: 'forbidden',
        node: 'Orange-FR',
        who: { client: 'grafana', role: 'observer', ip: REMOTE },
        where: { method: 'POST', route: '/v1/txs/batch' },
        audience: { scope: 'admin' },
      }),
      expect.objectContaining({ kind: 'auth_failed', who: { ip: REMOTE }, where: { method: 'GET', route: '/v1/blocks/:height' } }),
    ]);
    expect(Date.parse(lines[0]!.time as string)).toBeGreaterThan(Date.now() - 60_000);
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_security_auth_attempts_total\{outcome="forbidden"\} [1-9]/);
    expect(page).toMatch(/consortium_security_auth_attempts_total\{outcome="missing_credentials"\} [1-9]/);
    expect(page).toMatch(/consortium_security_events_total\{kind="auth_failed"\} [1-9]/);
  });

  it('shows an operator its own member\'s private data only, and lets it act only for its own member', async () => {
    const sfr = bearer(api.tokens['sfr-operator']!);
    expect((await api.server.inject({ url: '/v1/members/SFR-FR/private', headers: sfr })).json()).toEqual({ member: 'SFR-FR' });
    const other = await api.server.inject({ url: '/v1/members/Orange-FR/private', headers: sfr });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toEqual({ error: 'forbidden', message: 'sfr-operator acts for SFR-FR, not for Orange-FR' });
    expect((await api.server.inject({ url: '/v1/members/Orange-FR/private', headers: bearer(api.tokens.root!) })).statusCode).toBe(200);
    expect((await api.server.inject({ method: 'POST', url: '/v1/acts', payload: { member: 'SFR-FR' }, headers: sfr })).json()).toEqual({ actedFor: 'SFR-FR' });
    const acting = await api.server.inject({ method: 'POST', url: '/v1/acts', payload: { member: 'Orange-FR' }, headers: sfr });
    expect(acting.statusCode).toBe(403);
    expect(acting.json()).toEqual({ error: 'forbidden', message: 'sfr-operator (operator of SFR-FR) may not act for Orange-FR' });
    const lines = await api.securityLogLines();
    expect(lines.at(-1)).toMatchObject({ kind: 'forbidden', who: { client: 'sfr-operator', member: 'SFR-FR' }, where: { method: 'POST', route: '/v1/acts' }, audience: { scope: 'member', member: 'SFR-FR' } });
  });

  it('lets an operator act only for its own member, admins for any member', async () => {
    const { decideAccess } = await import('../../src/http/access.js');
    const operator = { kind: 'valid', client: { client: 'sfr-operator', role: 'operator', member: 'SFR-FR' } } as const;
    const admin = { kind: 'valid', client: { client: 'root', role: 'admin' } } as const;
    expect(decideAccess({ access: 'operator', credentials: operator, fromLoopback: true, member: 'SFR-FR' })).toEqual({ allowed: true });
    expect(decideAccess({ access: 'operator', credentials: operator, fromLoopback: true, member: 'Orange-FR' })).toMatchObject({ allowed: false, status: 403 });
    expect(decideAccess({ access: 'observer', credentials: operator, fromLoopback: false, member: 'Orange-FR' })).toMatchObject({ allowed: false, status: 403 });
    expect(decideAccess({ access: 'operator', credentials: admin, fromLoopback: false, member: 'Orange-FR' })).toEqual({ allowed: true });
    expect(decideAccess({ access: 'admin', credentials: operator, fromLoopback: true })).toMatchObject({ allowed: false, status: 403 });
  });

  it('refuses an expired token with 401 token_expired, counted and logged as an auth failure naming the client; a token before its expiry works', async () => {
    const before = await api.securityLogLines();
    const expired = await api.server.inject({ url: '/v1/status', remoteAddress: REMOTE, headers: bearer(api.tokens['old-grafana']!) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual({ error: 'token_expired', message: "the token of old-grafana expired at 2020-01-01T00:00:00Z: ask the node's operators for a new one" });
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="consortium-node", error="invalid_token", error_description="the token expired"');
    // Expired is refused even where no token is needed, as a wrong token is; and an expired operator acts for nobody.
    expect((await api.server.inject({ url: '/health', headers: bearer(api.tokens['old-grafana']!) })).json()).toMatchObject({ error: 'token_expired' });
    const operator = await api.server.inject({ method: 'POST', url: '/v1/acts', payload: { member: 'SFR-FR' }, headers: bearer(api.tokens['old-sfr-operator']!) });
    expect(operator.json()).toMatchObject({ error: 'token_expired' });
    // Not yet expired: let in like any observer.
    expect((await api.server.inject({ url: '/health', remoteAddress: REMOTE, headers: bearer(api.tokens['new-grafana']!) })).statusCode).toBe(200);

    const lines = (await api.securityLogLines()).slice(before.length);
    expect(lines).toEqual([
      expect.objectContaining({ kind: 'auth_failed', who: { client: 'old-grafana', role: 'observer', ip: REMOTE }, where: { method: 'GET', route: '/v1/status' }, audience: { scope: 'admin' } }),
      expect.objectContaining({ kind: 'auth_failed', who: expect.objectContaining({ client: 'old-grafana' }), where: { method: 'GET', route: '/health' } }),
      // An operator's expired token is its member's business, as its other refusals are.
      expect.objectContaining({ kind: 'auth_failed', who: expect.objectContaining({ client: 'old-sfr-operator', member: 'SFR-FR' }), audience: { scope: 'member', member: 'SFR-FR' } }),
    ]);
    expect(lines[0]!.what).toContain('expired at 2020-01-01T00:00:00Z');
    expect(await api.telemetry.registry.metrics()).toMatch(/consortium_security_auth_attempts_total\{outcome="expired_credentials"\} 3\n/);
  });

  it('declares who may call every route: a route without config.access does not build', async () => {
    const table = api.server.accessTable;
    expect(table.map(({ method, url }) => `${method} ${url}`)).toEqual(expect.arrayContaining(['GET /health', 'GET /metrics', 'POST /v1/txs', 'GET /v1/blocks/:height', 'GET /v1/events']));
    expect(table.filter(({ access }) => !['public', 'observer', 'operator', 'admin'].includes(access))).toEqual([]);
    expect(table.find(({ url }) => url === '/v1/txs/batch')?.access).toBe('operator');
    const { default: Fastify } = await import('fastify');
    const { RouteAccessMissingError } = await import('../../src/http/errors.js');
    const { installAuthorization } = await import('../../src/http/auth.js');
    const bare = Fastify();
    installAuthorization(bare, { telemetry: api.telemetry, events: api.events } as never);
    expect(() => bare.get('/v1/unguarded', () => 'open')).toThrow(RouteAccessMissingError);
    await bare.close();
  });
});
