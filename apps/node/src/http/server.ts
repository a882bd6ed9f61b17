import { fastifySSE } from '@fastify/sse';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { instrumentApi } from './api-metrics.js';
import { traceApi } from './api-traces.js';
import { installAuthentication, installAuthorization } from './auth.js';
import type { ApiContext } from './context.js';
import { answerFrameworkError, installErrorHandler } from './error-handler.js';
import { limitConnectionsPerAddress } from './connection-limit.js';
import { refuseDeepJson } from './json-depth.js';
import { installRateLimits } from './rate-limit.js';
import { answerClientError } from './slow-clients.js';
import { API_ROUTES, type ApiRoutes } from './routes/index.js';

export type { ApiContext } from './context.js';

/**
 * The node's HTTP API (fastify). Security sits in hooks, in this order, before any handler:
 * credentials read (auth.ts), the rate limit per client and route (rate-limit.ts), the route's
 * access decided (401/403), the body read within its limit, its JSON nesting bounded
 * (json-depth.ts) and checked against the route's JSON schema (400/413, error-handler.ts).
 * Beneath them, at most http.maxConnectionsPerAddress open connections per remote address
 * (connection-limit.ts). /openapi.json is generated from the same schemas.
 * HTTPS (and mTLS) when node.json configures certificates.
 */
export async function createApiServer(context: ApiContext, routeTable: readonly ApiRoutes[] = API_ROUTES): Promise<FastifyInstance> {
  const { tls } = context;
  // Node's own server options: the headers' deadline, and how often Node looks for clients past
  // a deadline (its default, 30 s, let a 10 s deadline run to 40).
  const slowClientLimits = { headersTimeout: context.limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, Math.floor(context.limits.headersTimeoutMs / 2)) };
  const server = Fastify({
    bodyLimit: context.limits.bodyLimitBytes,
    logger: false,
    // Refuse unknown fields instead of silently dropping them: a misspelt field is a client bug to report.
    ajv: { customOptions: { removeAdditional: false } },
    // a URL fastify refuses before any hook (too long a path parameter, bad escapes): the node's answer, counted
    frameworkErrors: answerFrameworkError(context),
    // Slow clients (slow-clients.ts): a request must arrive whole within requestTimeoutMs (fastify's default, 0, is no limit).
    requestTimeout: context.limits.requestTimeoutMs,
    clientErrorHandler: answerClientError(context),
    ...(tls === undefined
      ? { http: slowClientLimits }
      : {
          https: {
            ...slowClientLimits,
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            // mTLS: the TLS handshake itself refuses a client without a certificate from the CA.
            requestCert: tls.requireClientCert,
            rejectUnauthorized: tls.requireClientCert,
          },
        }),
  }) as unknown as FastifyInstance;
  // Before anything reads a connection: one address holds at most maxConnectionsPerAddress of them.
  limitConnectionsPerAddress(server.server, context);
  refuseDeepJson(server);
  if (context.instrumented !== false) {
    instrumentApi(server, context.telemetry.metrics.api);
    traceApi(server, context.telemetry.tracer('@consortium/node'));
  }
  installAuthentication(server, context);
  await installRateLimits(server, context);
  installAuthorization(server, context);
  installErrorHandler(server, context);
  await server.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'SP Consortium Chain node API', version: '1', description: `Node of ${context.memberId} on ${context.genesis.chainId}` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'cst_ token issued by issueApiToken (@consortium/node-config)' } } },
      security: [{ bearer: [] }],
    },
  });
  await server.register(fastifySSE);
  for (const routes of routeTable) routes(server, context);
  await server.ready();
  return server;
}
