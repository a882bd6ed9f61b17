import type { ApiMetrics } from '@consortium/telemetry';
import type { FastifyInstance } from 'fastify';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'OTHER';
type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

const startedAt = Symbol('startedAt');

/**
 * Request count, latency and in-flight gauge for every route, labelled by route pattern
 * (`/v1/blocks/:height`, never the raw URL: bounded labels) and status class.
 */
export function instrumentApi(server: FastifyInstance, metrics: ApiMetrics): void {
  server.addHook('onRequest', (request, _reply, done) => {
    (request as unknown as Record<symbol, number>)[startedAt] = performance.now();
    metrics.requestsInFlight.inc();
    done();
  });
  server.addHook('onResponse', (request, reply, done) => {
    metrics.requestsInFlight.dec();
    const route = request.routeOptions.url ?? 'unmatched';
    const method = (METHODS.has(request.method) ? request.method : 'OTHER') as Method;
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx` as StatusClass;
    metrics.requestsTotal.inc({ route, method, status_class: statusClass });
    const started = (request as unknown as Record<symbol, number>)[startedAt] ?? performance.now();
    metrics.requestDurationSeconds.observe({ route, method }, (performance.now() - started) / 1000);
    done();
  });
}
