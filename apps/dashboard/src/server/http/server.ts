import { readFile } from 'node:fs/promises';
import fastifyCookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { fastifySSE } from '@fastify/sse';
import type { Telemetry } from '@consortium/telemetry';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CHART_RANGES, type ChartRange, type SourceInfo, type StreamMessage } from '../../protocol.js';
import { alertmanagerItems } from '../alerts.js';
import type { Dashboard } from '../dashboard.js';
import { DASHBOARD_LIMITS } from '../limits.js';
import type { TokenSet } from '../tokens.js';
import { SessionStore } from './sessions.js';

/**
 * The dashboard's HTTP server (fastify), read only. Routes are those of protocol.ts. Every route
 * declares who may call it (`config.dashboardAccess`): `public` (the page, its assets, /health, /metrics,
 * the runbook), `observer` (an observer token as `Authorization: Bearer`, or the session cookie
 * POST /api/session made from one) or `alertmanager` (the webhook's own bearer token). A refusal
 * is 401, counted in the catalogue's security metrics and logged; every client address is
 * rate-limited (429, counted too).
 */

export interface ClientAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

export type RouteAccess = 'public' | 'observer' | 'alertmanager';

declare module 'fastify' {
  interface FastifyContextConfig {
    dashboardAccess?: RouteAccess;
  }
}

export interface DashboardServerOptions {
  readonly dashboard: Dashboard;
  readonly source: SourceInfo;
  readonly observerTokens: TokenSet;
  /** Tokens the Alertmanager webhook presents; null: the webhook is refused (401). */
  readonly alertmanagerTokens: TokenSet | null;
  readonly assets: ClientAssets;
  readonly telemetry: Pick<Telemetry, 'metrics' | 'logger' | 'renderMetrics'>;
  /** docs/operations.md, served at /docs/operations.md for the alerts' runbook links; null: 404. */
  readonly runbookFile: string | null;
  readonly nowMs?: () => number;
}

export const SESSION_COOKIE = 'consortium_dashboard_session';

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

function rangeOf(value: unknown): ChartRange | null {
  if (value === undefined) return '10m';
  return typeof value === 'string' && value in CHART_RANGES ? (value as ChartRange) : null;
}

export async function createDashboardServer(options: DashboardServerOptions): Promise<FastifyInstance> {
  const { dashboard, telemetry } = options;
  const { security, api } = telemetry.metrics;
  const sessions = new SessionStore(DASHBOARD_LIMITS.sessionTtlMs, DASHBOARD_LIMITS.sessionsMax, options.nowMs);
  // Unknown fields are refused, not dropped: a misspelt field is a client bug to report.
  const server = Fastify({ logger: false, bodyLimit: DASHBOARD_LIMITS.alertmanagerBodyBytesMax, ajv: { customOptions: { removeAdditional: false } } });

  const refuse = (request: FastifyRequest, reply: FastifyReply, outcome: 'missing_credentials' | 'bad_credentials') => {
    security.authAttemptsTotal.inc({ outcome });
    security.eventsTotal.inc({ kind: 'auth_failed' });
    telemetry.logger.warn({ securityEvent: 'auth_failed', ip: request.ip, route: request.routeOptions.url ?? 'unmatched', outcome }, 'dashboard request refused: no valid token');
    return reply.code(401).header('www-authenticate', 'Bearer realm="consortium-dashboard"').send({ error: 'unauthorized', message: outcome === 'missing_credentials' ? 'an observer token or session is required' : 'the token is not valid here' });
  };

  server.addHook('onResponse', (request, reply, done) => {
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx` as '2xx';
    api.requestsTotal.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method === 'POST' ? 'POST' : request.method === 'GET' ? 'GET' : 'OTHER', status_class: statusClass });
    done();
  });
  await server.register(fastifyCookie, { hook: 'onRequest' });
  await server.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: DASHBOARD_LIMITS.requestsPerMinute,
    timeWindow: 60_000,
    cache: 10_000,
    onExceeded: (request) => {
      security.rateLimitedRequestsTotal.inc({ route: request.routeOptions.url ?? 'unmatched', scope: 'client' });
      security.eventsTotal.inc({ kind: 'rate_limited' });
      telemetry.logger.warn({ securityEvent: 'rate_limited', ip: request.ip }, 'dashboard request refused: over the rate limit');
    },
  });
  server.addHook('onRoute', (route) => {
    const access = route.config?.dashboardAccess;
    if (access === undefined) throw new Error(`route ${route.url} declares no access`);
    if (access === 'public') return;
    const check = async (request: FastifyRequest, reply: FastifyReply) => {
      const bearer = bearerOf(request);
      if (access === 'alertmanager') {
        if (bearer === null) return refuse(request, reply, 'missing_credentials');
        if (options.alertmanagerTokens === null || !options.alertmanagerTokens.matches(bearer)) return refuse(request, reply, 'bad_credentials');
        security.authAttemptsTotal.inc({ outcome: 'success' });
        return;
      }
      if (bearer !== null) {
        if (!options.observerTokens.matches(bearer)) return refuse(request, reply, 'bad_credentials');
        security.authAttemptsTotal.inc({ outcome: 'success' });
        return;
      }
      const session = request.cookies[SESSION_COOKIE];
      if (session === undefined) return refuse(request, reply, 'missing_credentials');
      if (!sessions.valid(session)) return refuse(request, reply, 'bad_credentials');
    };
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [...existing, check] as typeof route.onRequest;
  });
  await server.register(fastifySSE);

  server.get('/', { config: { dashboardAccess: 'public' } }, (_request, reply) => reply.type('text/html; charset=utf-8').send(options.assets.html));
  server.get('/app.js', { config: { dashboardAccess: 'public' } }, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(options.assets.js));
  server.get('/app.css', { config: { dashboardAccess: 'public' } }, (_request, reply) => reply.type('text/css; charset=utf-8').send(options.assets.css));
  server.get('/health', { config: { dashboardAccess: 'public' } }, () => ({ status: 'ok' }));
  server.get('/metrics', { config: { dashboardAccess: 'public' } }, async (_request, reply) => {
    const { contentType, body } = await telemetry.renderMetrics();
    return reply.type(contentType).send(body);
  });
  server.get('/docs/operations.md', { config: { dashboardAccess: 'public' } }, async (_request, reply) => {
    const text = options.runbookFile === null ? null : await readFile(options.runbookFile, 'utf8').catch(() => null);
    if (text === null) return reply.code(404).send({ error: 'not_found', message: 'no runbook (docs/operations.md) next to this dashboard' });
    return reply.type('text/markdown; charset=utf-8').send(text);
  });

  server.post<{ Body: { token: string } }>(
    '/api/session',
    {
      config: { dashboardAccess: 'public' },
      bodyLimit: DASHBOARD_LIMITS.sessionBodyBytesMax,
      schema: { body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 512 } } } },
    },
    (request, reply) => {
      if (!options.observerTokens.matches(request.body.token)) return refuse(request, reply, 'bad_credentials');
      security.authAttemptsTotal.inc({ outcome: 'success' });
      reply.setCookie(SESSION_COOKIE, sessions.create(), { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https', maxAge: DASHBOARD_LIMITS.sessionTtlMs / 1000 });
      return reply.code(204).send();
    },
  );

  server.get<{ Querystring: { range?: string } }>('/api/snapshot', { config: { dashboardAccess: 'observer' } }, (request, reply) => {
    const range = rangeOf(request.query.range);
    if (range === null) return reply.code(400).send({ error: 'bad_request', message: `range must be one of ${Object.keys(CHART_RANGES).join(', ')}` });
    const snapshot = dashboard.snapshot(range, options.source);
    if (snapshot === null) return reply.code(503).send({ error: 'not_ready', message: 'the first collection round has not finished' });
    return snapshot;
  });

  server.get('/api/stream', { config: { dashboardAccess: 'observer' }, sse: { kind: 'only' } }, async (_request, reply) => {
    if (dashboard.subscriberCount >= DASHBOARD_LIMITS.streamClientsMax) return reply.code(503).send({ error: 'too_many_streams', message: `at most ${DASHBOARD_LIMITS.streamClientsMax} streams at once` });
    let queued = 0;
    let open = true;
    const enqueue = (message: StreamMessage) => {
      if (!open) return;
      // A browser that cannot keep up is dropped; it reconnects and starts from a snapshot.
      if (queued >= DASHBOARD_LIMITS.streamQueueMax) {
        open = false;
        reply.sse.close();
        return;
      }
      queued += 1;
      reply.sse.send({ event: message.type, data: message }).then(
        () => (queued -= 1),
        () => {
          open = false;
          reply.sse.close();
        },
      );
    };
    // The first message is always a snapshot: before the first round there is none, so it goes
    // out with the first message instead (a tick is then already in it).
    let snapshotSent = false;
    const sendSnapshot = (): boolean => {
      const snapshot = dashboard.snapshot('10m', options.source);
      if (snapshot === null) return false;
      snapshotSent = true;
      enqueue({ type: 'snapshot', snapshot });
      return true;
    };
    const send = (message: StreamMessage) => {
      if (!snapshotSent && (!sendSnapshot() || message.type === 'tick')) return;
      enqueue(message);
    };
    const unsubscribe = dashboard.subscribe(send);
    api.eventStreamClients.inc();
    reply.sse.onClose(() => {
      open = false;
      unsubscribe();
      api.eventStreamClients.dec();
    });
    reply.sse.keepAlive();
    sendSnapshot();
  });

  server.post('/api/alertmanager', { config: { dashboardAccess: 'alertmanager' } }, (request, reply) => {
    const items = alertmanagerItems(request.body, (options.nowMs ?? Date.now)());
    if (items === null) {
      api.invalidRequestsTotal.inc({ route: '/api/alertmanager', reason: 'bad_request' });
      return reply.code(400).send({ error: 'bad_request', message: `not an Alertmanager webhook body (version 4, at most ${DASHBOARD_LIMITS.alertmanagerAlertsMax} alerts, each with an alertname)` });
    }
    dashboard.receiveAlertmanager(items);
    return reply.code(204).send();
  });

  await server.ready();
  return server;
}
