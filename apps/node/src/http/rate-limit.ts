import rateLimit from '@fastify/rate-limit';
import { ANONYMOUS, type RateLimitedRole } from '@consortium/node-config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audienceOfClient } from '../security/security-event.js';
import { clientOf, routeOf, whoOf } from './auth.js';
import type { ApiContext } from './context.js';
import { RateLimitedError } from './errors.js';

/**
 * Rate limits per client and route (@fastify/rate-limit, in memory): the key is the client id,
 * or the remote address for requests without a valid token, joined with the route pattern, so
 * a client that floods one route keeps its budget on the others. The budget comes from the
 * client's role (node.json http.rateLimits.perRole) unless the route has an override
 * (perRoute["POST /v1/txs/batch"]). A refusal is 429 with Retry-After, counted and emitted.
 */

const roleOf = (request: FastifyRequest): RateLimitedRole => clientOf(request)?.role ?? ANONYMOUS;
const routeKey = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;

/** Distinct keys kept in memory (clients x routes, plus addresses); the least recently seen go first. */
const RATE_LIMIT_KEYS_MAX = 10_000;

export async function installRateLimits(server: FastifyInstance, context: ApiContext): Promise<void> {
  const { windowMs, perRole, perRoute } = context.limits.rateLimits;
  const budgetOf = (request: FastifyRequest) => perRoute[routeKey(request)]?.[roleOf(request)] ?? perRole[roleOf(request)];
  await server.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: windowMs,
    cache: RATE_LIMIT_KEYS_MAX,
    keyGenerator: (request) => {
      const client = clientOf(request);
      return `${client === null ? `ip:${request.ip}` : `client:${client.client}`}|${routeKey(request)}`;
    },
    max: (request) => budgetOf(request),
    onExceeded: (request) => {
      const override = perRoute[routeKey(request)]?.[roleOf(request)] !== undefined;
      context.telemetry.metrics.security.rateLimitedRequestsTotal.inc({ route: routeOf(request).route, scope: override ? 'route' : 'client' });
      context.events.emitSecurityEvent({
        kind: 'rate_limited',
        who: whoOf(request),
        where: routeOf(request),
        what: `over ${budgetOf(request)} requests per ${windowMs} ms on this route (${roleOf(request)} budget)`,
        audience: audienceOfClient(clientOf(request)),
      });
    },
    errorResponseBuilder: (_request, { max, ttl }) => new RateLimitedError(`at most ${max} requests per ${windowMs} ms on this route`, Math.max(1, Math.ceil(ttl / 1000))),
  });
}
