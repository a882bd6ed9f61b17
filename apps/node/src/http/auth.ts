import type { ApiClient } from '@consortium/node-config';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { audienceOfClient } from '../security/security-event.js';
import { credentialsOf, decideAccess, isLoopback, type Credentials, type RouteAccess } from './access.js';
import type { ApiContext } from './context.js';
import { ForbiddenError, RouteAccessMissingError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (see access.ts); required on every route. */
    access?: RouteAccess;
    /** A path parameter naming the member whose data or action the route concerns: operators of other members get 403. */
    memberParam?: string;
  }
  interface FastifyRequest {
    /** What the Authorization header presented, resolved once per request. */
    credentials: Credentials;
  }
  interface FastifyInstance {
    /** Every route registered, with the access it declared (for tests and the route listing). */
    accessTable: RouteAccessEntry[];
  }
}

export interface RouteAccessEntry {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

/** The authenticated client of a request (null before authentication or without a token). */
export const clientOf = (request: FastifyRequest): ApiClient | null => (request.credentials.kind === 'valid' ? request.credentials.client : null);

/** The route pattern and method, as events and metrics name them (never the raw URL). */
export const routeOf = (request: FastifyRequest) => ({ method: request.method, route: request.routeOptions.url ?? 'unmatched' });

/**
 * The client a request's token names, also when the token has expired (for the security event
 * and its audience: an operator's expired token is its member's business), else null.
 */
export const presentedClientOf = (request: FastifyRequest): ApiClient | null =>
  request.credentials.kind === 'valid' || request.credentials.kind === 'expired' ? request.credentials.client : null;

/** Who, for a security event: the client its token names (expired or not), and the remote address. */
export const whoOf = (request: FastifyRequest) => {
  const client = presentedClientOf(request);
  return { ...(client === null ? {} : { client: client.client, role: client.role, ...(client.member === undefined ? {} : { member: client.member }) }), ip: request.ip };
};

/**
 * Authentication and roles as hooks, so no route carries access code:
 *
 * 1. `onRequest` (every request): read the bearer token, find its client (constant-time
 *    comparison of hashes). Nothing is refused yet, so the rate limiter, which runs next, also
 *    limits callers that guess tokens (by address).
 * 2. `onRoute`: every route must declare `config.access`, or the server does not build; the
 *    route gets an `onRequest` hook, after the rate limiter's, that decides with decideAccess:
 *    401 (with WWW-Authenticate: Bearer) or 403, each counted and emitted as a security event.
 *
 * Call `installAuthentication` before registering the rate limiter and `installAuthorization`
 * after it: hooks run in the order they were added.
 */
export function installAuthentication(server: FastifyInstance, context: ApiContext): void {
  server.decorateRequest('credentials', null as never);
  server.addHook('onRequest', (request, _reply, done) => {
    request.credentials = credentialsOf(request.headers.authorization, (token) => context.clients.find(token), context.clients.now());
    done();
  });
}

/** RFC 6750's challenge: `invalid_token` for a token that is malformed, unknown or expired (with why, for the expired one). */
function wwwAuthenticate(credentials: Credentials): string {
  if (credentials.kind === 'expired') return 'Bearer realm="consortium-node", error="invalid_token", error_description="the token expired"';
  return credentials.kind === 'invalid' ? 'Bearer realm="consortium-node", error="invalid_token"' : 'Bearer realm="consortium-node"';
}

export function installAuthorization(server: FastifyInstance, context: ApiContext): void {
  const { security } = context.telemetry.metrics;
  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    const { access, memberParam } = request.routeOptions.config;
    const member = memberParam === undefined ? undefined : (request.params as Record<string, string | undefined>)[memberParam];
    const decision = decideAccess({ access: access!, credentials: request.credentials, fromLoopback: isLoopback(request.socket.remoteAddress), ...(member === undefined ? {} : { member }) });
    if (decision.allowed) {
      if (request.credentials.kind === 'valid') security.authAttemptsTotal.inc({ outcome: 'success' });
      return;
    }
    security.authAttemptsTotal.inc({ outcome: decision.outcome });
    context.events.emitSecurityEvent({
      kind: decision.status === 401 ? 'auth_failed' : 'forbidden',
      who: whoOf(request),
      where: routeOf(request),
      what: decision.message,
      audience: audienceOfClient(presentedClientOf(request)),
    });
    if (decision.status === 401) {
      reply.header('www-authenticate', wwwAuthenticate(request.credentials));
      return reply.code(401).send({ error: decision.error, message: decision.message });
    }
    return reply.code(403).send({ error: 'forbidden', message: decision.message });
  };
  const table: RouteAccessEntry[] = [];
  server.decorate('accessTable', table);
  server.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.access === undefined) throw new RouteAccessMissingError(`${String(route.method)} ${route.url}`);
    for (const method of [route.method].flat()) table.push({ method, url: route.url, access: route.config.access });
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, authorize] as RouteOptions['onRequest'];
  });
}

/**
 * For handlers whose member is in the body or the data (not a path parameter): an operator
 * acts for its own member only; observers never act; admins act for any. Throws ForbiddenError
 * (403, counted and emitted by the error handler).
 */
export function requireActingFor(request: FastifyRequest, member: string): void {
  const client = clientOf(request);
  if (client?.role === 'admin') return;
  if (client?.role === 'operator' && client.member === member) return;
  throw new ForbiddenError(client === null ? `acting for ${member} needs a token` : `${client.client} (${client.role}${client.member === undefined ? '' : ` of ${client.member}`}) may not act for ${member}`);
}
