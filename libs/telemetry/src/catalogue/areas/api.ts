import type { AreaDefinitions } from '../types.js';
import { HTTP_ROUTES } from '../label-sets.js';
import { SECONDS_FAST } from '../buckets.js';

/** The node's HTTP API (and any other HTTP server mounting the telemetry endpoints). */
export const apiMetricDefinitions = {
  requestsTotal: {
    name: 'consortium_api_requests_total',
    type: 'counter',
    unit: 'count',
    help: 'HTTP requests answered, by route pattern, method and status class.',
    labels: {
      route: HTTP_ROUTES,
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'],
      status_class: ['1xx', '2xx', '3xx', '4xx', '5xx'],
    },
  },
  requestDurationSeconds: {
    name: 'consortium_api_request_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time from request received to response sent, by route pattern and method.',
    labels: {
      route: HTTP_ROUTES,
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'],
    },
    // API calls read local state and should answer within milliseconds; the upper buckets
    // catch a handler stuck behind a proof or a slow disk.
    buckets: SECONDS_FAST,
  },
  invalidRequestsTotal: {
    name: 'consortium_api_invalid_requests_total',
    type: 'counter',
    unit: 'count',
    help: 'Requests refused before their handler ran: a field failing its schema or unreadable JSON (bad_request), a body over the limit (body_too_large), a content type the route does not take (unsupported_media_type), a client too slow to send its headers or its request (timeout, route unmatched).',
    labels: { route: HTTP_ROUTES, reason: ['bad_request', 'body_too_large', 'unsupported_media_type', 'timeout'] },
  },
  eventStreamClients: {
    name: 'consortium_api_event_stream_clients',
    type: 'gauge',
    unit: 'count',
    help: 'Clients connected to the live event stream (GET /v1/events) right now; bounded by the node.',
    labels: {},
  },
  eventStreamsRefusedTotal: {
    name: 'consortium_api_event_streams_refused_total',
    type: 'counter',
    unit: 'count',
    help: 'Event streams (GET /v1/events) refused by the limit they hit: the client already holds its share of streams (client, 429), or the node holds as many as it serves (node, 503).',
    labels: { limit: ['client', 'node'] },
  },
  connectionsRefusedTotal: {
    name: 'consortium_api_connections_refused_total',
    type: 'counter',
    unit: 'count',
    help: 'TCP connections to the API closed on arrival because their remote address already held http.maxConnectionsPerAddress open connections.',
    labels: {},
  },
  tokensReloadsTotal: {
    name: 'consortium_api_tokens_reloads_total',
    type: 'counter',
    unit: 'count',
    help: 'Reloads of the API tokens file (SIGHUP) by outcome: applied, or refused (the file was invalid, named another member\'s operator or was writable by others; the node kept the tokens it had).',
    labels: { outcome: ['applied', 'refused'] },
  },
  requestsInFlight: {
    name: 'consortium_api_requests_in_flight',
    type: 'gauge',
    unit: 'count',
    help: 'HTTP requests being handled right now.',
    labels: {},
  },
} as const satisfies AreaDefinitions;
