import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { ApiContext } from './context.js';

/**
 * What reaches the HTTP server before fastify sees a request: a client too slow to send its
 * headers (headersTimeoutMs) or its whole request (requestTimeoutMs), or bytes that are not
 * HTTP. Fastify's default handler answered these uncounted; here each is answered as Node and
 * fastify would (408, 431, 400, then the socket closed) and counted like any other bad input:
 * `consortium_api_invalid_requests_total{route="unmatched"}`, the security counter, and a
 * security event naming the address (only admins see it: nobody else's business).
 */
export function answerClientError(context: Pick<ApiContext, 'telemetry' | 'events'>) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    // A reset connection is gone already: nothing to answer, nothing the client did wrong.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = timedOut ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const what = timedOut ? 'the request did not arrive within the time allowed (a slow client)' : status === 431 ? 'the request headers are larger than the node accepts' : `a request that is not valid HTTP (${error.code ?? error.message})`;
    context.telemetry.metrics.api.invalidRequestsTotal.inc({ route: 'unmatched', reason: timedOut ? 'timeout' : 'bad_request' });
    context.telemetry.metrics.security.invalidMessagesTotal.inc({ kind: 'malformed' });
    context.events.emitSecurityEvent({ kind: 'invalid_request', who: { ip: socket.remoteAddress ?? 'unknown' }, where: { route: 'unmatched' }, what, audience: { scope: 'admin' } });
    const body = JSON.stringify({ error: timedOut ? 'timeout' : 'invalid_request', message: what });
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\n\r\n${body}`);
    socket.destroy();
  };
}
