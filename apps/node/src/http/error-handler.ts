import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audienceOfClient } from '../security/security-event.js';
import { clientOf, routeOf, whoOf } from './auth.js';
import type { ApiContext } from './context.js';
import { SettlementRequestError } from '../settlement/errors.js';
import { ForbiddenError, JsonTooDeepError, RateLimitedError } from './errors.js';

/**
 * One body for every refusal, `{ error, message, field? }`: a field failing its schema (fastify's
 * ajv errors, first one, with its path), unreadable JSON, a body over the limit (413), a refused
 * member (403), a spent budget (429 with Retry-After). Refusals of input are counted and emitted
 * as security events; nothing a refused request carried reaches a handler.
 */

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** `body.tx`, `params.height`, `body.txs.3`: the field ajv refused, from its path and the missing or extra property. */
export function fieldOf(context: string, error: AjvError): string {
  const path = error.instancePath.split('/').filter((segment) => segment !== '').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  if (typeof extra === 'string') path.push(extra);
  return [context, ...path].join('.');
}

function explain(field: string, error: AjvError): string {
  if (error.keyword === 'required') return `${field} is required`;
  if (error.keyword === 'additionalProperties') return `${field} is not a known field`;
  return `${field} ${error.message ?? 'is invalid'}`;
}

/** Counts refused input (metrics and a security event); handlers call it for what only the application can refuse. */
export function reportInvalidRequest(context: Pick<ApiContext, 'telemetry' | 'events'>, request: FastifyRequest, reason: 'bad_request' | 'body_too_large' | 'unsupported_media_type', what: string): void {
  const { api, security } = context.telemetry.metrics;
  api.invalidRequestsTotal.inc({ route: routeOf(request).route, reason });
  security.invalidMessagesTotal.inc({ kind: reason === 'body_too_large' ? 'oversized' : 'malformed' });
  context.events.emitSecurityEvent({ kind: 'invalid_request', who: whoOf(request), where: routeOf(request), what, audience: audienceOfClient(clientOf(request)) });
}

/**
 * What fastify refuses before any route or hook runs: a path parameter longer than its
 * maxParamLength (414) or a URL it cannot decode (400). Without this, fastify answered with its
 * own body (`{ error: "Bad Request", code, statusCode }`), uncounted. The request has no route and
 * no credentials yet, so it is counted as `unmatched` and its security event names the address.
 */
export function answerFrameworkError(context: Pick<ApiContext, 'telemetry' | 'events'>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const where = { method: request.method, route: 'unmatched' };
    context.telemetry.metrics.api.invalidRequestsTotal.inc({ route: where.route, reason: 'bad_request' });
    context.telemetry.metrics.security.invalidMessagesTotal.inc({ kind: 'malformed' });
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const message = tooLong ? 'a path parameter is longer than any this node takes' : 'the URL cannot be decoded';
    context.events.emitSecurityEvent({ kind: 'invalid_request', who: { ip: request.ip }, where, what: message, audience: { scope: 'admin' } });
    void reply.code(tooLong ? 414 : 400).send({ error: 'invalid_request', field: 'url', message });
  };
}

export function installErrorHandler(server: FastifyInstance, context: ApiContext): void {
  const { security } = context.telemetry.metrics;
  const refuseInput = (request: FastifyRequest, reason: 'bad_request' | 'body_too_large' | 'unsupported_media_type', what: string) => reportInvalidRequest(context, request, reason, what);

  server.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      const first = error.validation[0] as AjvError;
      const field = fieldOf(error.validationContext ?? 'body', first);
      const message = explain(field, first);
      refuseInput(request, 'bad_request', message);
      return reply.code(400).send({ error: 'invalid_request', field, message });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const message = `the body is larger than this node takes (${context.limits.bodyLimitBytes} bytes)`;
      refuseInput(request, 'body_too_large', message);
      return reply.code(413).send({ error: 'body_too_large', field: 'body', message });
    }
    if (error instanceof JsonTooDeepError) {
      refuseInput(request, 'bad_request', error.message);
      return reply.code(400).send({ error: 'json_too_deep', field: 'body', message: error.message });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      refuseInput(request, 'unsupported_media_type', error.message);
      return reply.code(415).send({ error: 'unsupported_media_type', field: 'headers.content-type', message: 'send application/json' });
    }
    if (error instanceof RateLimitedError) {
      reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(429).send({ error: 'rate_limited', message: error.message, retryAfterSeconds: error.retryAfterSeconds });
    }
    if (error instanceof ForbiddenError) {
      security.authAttemptsTotal.inc({ outcome: 'forbidden' });
      context.events.emitSecurityEvent({ kind: 'forbidden', who: whoOf(request), where: routeOf(request), what: error.message, audience: audienceOfClient(clientOf(request)) });
      return reply.code(403).send({ error: 'forbidden', message: error.message });
    }
    // What the member's desk refused: a wrong field is bad input (counted); a missing thing, a
    // rule that refuses it now or a node that cannot do it now is an answer, not an attack.
    if (error instanceof SettlementRequestError) {
      if (error.status === 400) refuseInput(request, 'bad_request', error.message);
      return reply.code(error.status).send({ error: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) });
    }
    // Unreadable JSON and other refusals fastify raises while reading the request.
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      refuseInput(request, 'bad_request', error.message);
      return reply.code(error.statusCode).send({ error: 'invalid_request', field: 'body', message: error.message });
    }
    context.telemetry.logger.error({ err: error, ...routeOf(request) }, 'API handler failed');
    return reply.code(500).send({ error: 'internal', message: 'the node could not answer; its log says why' });
  });

  server.setNotFoundHandler({ preHandler: server.rateLimit() }, (request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
