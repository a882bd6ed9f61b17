import Type from 'typebox';
import type { ApiRoutes } from './index.js';

/** Health, readiness, metrics and the API description: without a token from loopback (probes, the local Prometheus), observer elsewhere. */
export const operationalRoutes: ApiRoutes = (server, { telemetry }) => {
  const probe = { 200: Type.Object({}, { additionalProperties: true }), 503: Type.Object({}, { additionalProperties: true }) };
  server.get('/health', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Liveness', response: probe } }, async (_request, reply) => {
    const { statusCode, body } = telemetry.health.liveness();
    return reply.code(statusCode).send(body);
  });
  server.get('/ready', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Readiness: every check with its reason', response: probe } }, async (_request, reply) => {
    const { statusCode, body } = await telemetry.health.readiness();
    return reply.code(statusCode).send(body);
  });
  server.get('/metrics', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Prometheus text exposition', produces: ['text/plain'] } }, async (_request, reply) => {
    const page = await telemetry.renderMetrics();
    return reply.type(page.contentType).send(page.body);
  });
  server.get('/openapi.json', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'This description (OpenAPI 3)' } }, () => server.swagger());
};
