import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

const requestSpan = Symbol('requestSpan');
type Traced = { [requestSpan]?: Span };

/**
 * One api.request span per HTTP request (the span catalogue's), named by route pattern like the
 * API metrics (`http.route` is `/v1/blocks/:height` or "unmatched", never the raw URL). The
 * handler runs with it active, so what the request starts (a transaction's admission, a
 * statement's proving) is its child. A W3C `traceparent` header from the client makes the
 * request part of the client's trace.
 */
export function traceApi(server: FastifyInstance, tracer: Tracer): void {
  server.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const attributes = { 'http.request.method': request.method, 'http.route': request.routeOptions.url ?? 'unmatched' };
    (request as Traced)[requestSpan] = tracer.startSpan('api.request', { kind: SpanKind.SERVER, attributes }, parent);
    done();
  });
  const end = (request: FastifyRequest, statusCode: number | null) => {
    const span = (request as Traced)[requestSpan];
    if (span === undefined) return;
    delete (request as Traced)[requestSpan];
    if (statusCode === null) span.setAttribute('http.request.aborted', true);
    else span.setAttribute('http.response.status_code', statusCode);
    if (statusCode !== null && statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  server.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  server.addHook('onRequestAbort', (request, done) => {
    end(request, null);
    done();
  });
  server.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function tracedHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const span = (request as Traced)[requestSpan];
      if (span === undefined) return handler.call(this, request, reply);
      return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
    };
  });
}
