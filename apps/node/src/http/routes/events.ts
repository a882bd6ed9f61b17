import { isApiClientExpired } from '@consortium/node-config';
import type { NodeEvent } from '../../security/node-events.js';
import { audienceOfClient } from '../../security/security-event.js';
import { bearerTokenOf } from '../access.js';
import { clientOf, routeOf, whoOf } from '../auth.js';
import { AUTH_REFUSALS, ErrorBody } from '../schemas.js';
import type { ApiRoutes } from './index.js';

/** Streams open at once: each holds a socket and a queue; observers and dashboards are few. */
export const MAX_EVENT_STREAM_CLIENTS = 32;
/**
 * Streams one client (one token) may hold at once, so no client can take the node's 32 from
 * the others: a dashboard needs one per node it shows, a person a few browser tabs; 4 is an
 * eighth of the node's share.
 */
export const MAX_EVENT_STREAMS_PER_CLIENT = 4;
/** Events waiting for one slow client; beyond this the stream is closed (the client reconnects). */
const MAX_QUEUED_EVENTS_PER_CLIENT = 1_000;

/**
 * GET /v1/events: the live event stream (server-sent events, @fastify/sse). `event:` is the
 * type (`security`, `block`), `data:` the JSON. A client sees what its role may: observers the
 * public events, an operator also its own member's, an admin everything.
 */
export const eventRoutes: ApiRoutes = (server, { events, telemetry, clients }) => {
  const openStreams = telemetry.metrics.api.eventStreamClients;
  const refused = telemetry.metrics.api.eventStreamsRefusedTotal;
  server.get(
    '/v1/events',
    {
      sse: { kind: 'only' },
      config: { access: 'observer' },
      schema: {
        tags: ['events'],
        summary: 'Live events (text/event-stream): security events, committed blocks and settlement events, filtered by role; notices (kind, count) of security events the client may not see',
        produces: ['text/event-stream'],
        response: { 503: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request, reply) => {
      const viewer = clientOf(request)!; // access 'observer': authenticated
      // The client's own cap first: a client at its share is told so (429), whether or not the node is full.
      const limit = events.subscriberCountOf(viewer.client) >= MAX_EVENT_STREAMS_PER_CLIENT ? 'client' : events.subscriberCount >= MAX_EVENT_STREAM_CLIENTS ? 'node' : null;
      if (limit !== null) {
        const message = limit === 'client' ? `at most ${MAX_EVENT_STREAMS_PER_CLIENT} event streams per client at once (${viewer.client} holds ${MAX_EVENT_STREAMS_PER_CLIENT})` : `at most ${MAX_EVENT_STREAM_CLIENTS} event streams at once`;
        refused.inc({ limit });
        events.emitSecurityEvent({ kind: 'rate_limited', who: whoOf(request), where: routeOf(request), what: `event stream refused: ${message}`, audience: audienceOfClient(viewer) });
        return limit === 'client' ? reply.code(429).send({ error: 'too_many_client_streams', message }) : reply.code(503).send({ error: 'too_many_streams', message });
      }
      // A stream outlives the request that authenticated it: a token a reload revoked (or gave
      // another role or member) ends its streams at once; an expired one at its next event (a
      // block at the latest). The token is hashed again only on a reload, never per event.
      const token = bearerTokenOf(request.headers.authorization)!;
      const stopWatchingReloads = clients.onReplace(() => {
        if (!clients.stillAuthenticates(token, viewer)) reply.sse.close();
      });
      let queued = 0;
      const unsubscribe = events.subscribe(viewer, (event: NodeEvent) => {
        if (queued >= MAX_QUEUED_EVENTS_PER_CLIENT || isApiClientExpired(viewer, clients.now())) {
          reply.sse.close();
          return;
        }
        queued += 1;
        reply.sse.send({ event: event.type, data: event.data }).then(
          () => (queued -= 1),
          () => reply.sse.close(),
        );
      });
      openStreams.inc();
      reply.sse.onClose(() => {
        unsubscribe();
        stopWatchingReloads();
        openStreams.dec();
      });
      reply.sse.keepAlive();
      // A first comment-free event tells the client the stream is open and what it will see.
      await reply.sse.send({ event: 'ready', data: { client: viewer.client, role: viewer.role, ...(viewer.member === undefined ? {} : { member: viewer.member }) } });
    },
  );
};
