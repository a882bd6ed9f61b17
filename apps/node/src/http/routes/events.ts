import type { NodeEvent } from '../../security/node-events.js';
import { clientOf } from '../auth.js';
import { AUTH_REFUSALS, ErrorBody } from '../schemas.js';
import type { ApiRoutes } from './index.js';

/** Streams open at once: each holds a socket and a queue; observers and dashboards are few. */
export const MAX_EVENT_STREAM_CLIENTS = 32;
/** Events waiting for one slow client; beyond this the stream is closed (the client reconnects). */
const MAX_QUEUED_EVENTS_PER_CLIENT = 1_000;

/**
 * GET /v1/events: the live event stream (server-sent events, @fastify/sse). `event:` is the
 * type (`security`, `block`), `data:` the JSON. A client sees what its role may: observers the
 * public events, an operator also its own member's, an admin everything.
 */
export const eventRoutes: ApiRoutes = (server, { events, telemetry }) => {
  const clients = telemetry.metrics.api.eventStreamClients;
  server.get(
    '/v1/events',
    {
      sse: { kind: 'only' },
      config: { access: 'observer' },
      schema: { tags: ['events'], summary: 'Live events (text/event-stream): security events, committed blocks and settlement events, filtered by role; notices (kind, count) of security events the client may not see', produces: ['text/event-stream'], response: { 503: ErrorBody, ...AUTH_REFUSALS } },
    },
    async (request, reply) => {
      const viewer = clientOf(request)!; // access 'observer': authenticated
      if (events.subscriberCount >= MAX_EVENT_STREAM_CLIENTS) return reply.code(503).send({ error: 'too_many_streams', message: `at most ${MAX_EVENT_STREAM_CLIENTS} event streams at once` });
      let queued = 0;
      const unsubscribe = events.subscribe(viewer, (event: NodeEvent) => {
        if (queued >= MAX_QUEUED_EVENTS_PER_CLIENT) {
          reply.sse.close();
          return;
        }
        queued += 1;
        reply.sse.send({ event: event.type, data: event.data }).then(
          () => (queued -= 1),
          () => reply.sse.close(),
        );
      });
      clients.inc();
      reply.sse.onClose(() => {
        unsubscribe();
        clients.dec();
      });
      reply.sse.keepAlive();
      // A first comment-free event tells the client the stream is open and what it will see.
      await reply.sse.send({ event: 'ready', data: { client: viewer.client, role: viewer.role, ...(viewer.member === undefined ? {} : { member: viewer.member }) } });
    },
  );
};
