import type { Server, Socket } from 'node:net';
import type { ApiContext } from './context.js';

/**
 * At most `http.maxConnectionsPerAddress` open TCP connections per remote address. Node's own
 * `server.maxConnections` is one number for everyone: a client that opens hundreds of idle
 * connections would reach it and lock every other client out (and before that, use up the
 * process's file descriptors). Here each address has its own count; a connection beyond it is
 * destroyed on arrival, before TLS or HTTP reads a byte of it, and counted
 * (`consortium_api_connections_refused_total`) with a `rate_limited` security event naming
 * the address, at most one a second per address (the rest are in the next event's count): a
 * flood of refused connections must not become a flood of log lines.
 *
 * The slow-client timeouts (slow-clients.ts) bound how long each of those connections lives;
 * this bounds how many one address holds at once.
 */

/** One security event per address per this long while it keeps hitting the cap. */
const REFUSAL_REPORT_INTERVAL_MS = 1_000;

interface AddressState {
  open: number;
  lastReportMs: number;
  /** Refusals since the last security event. */
  unreported: number;
}

export interface ConnectionLimit {
  /** Open connections of one address (for tests and diagnostics). */
  openConnections(address: string): number;
  /** Addresses with at least one open connection. */
  readonly addresses: number;
}

export function limitConnectionsPerAddress(server: Server, context: Pick<ApiContext, 'telemetry' | 'events' | 'limits'>, nowMs: () => number = Date.now): ConnectionLimit {
  const maxPerAddress = context.limits.maxConnectionsPerAddress;
  // An entry lives while its address has open connections: the map is bounded by the open
  // sockets, which this limit bounds in turn.
  const byAddress = new Map<string, AddressState>();
  const refuse = (socket: Socket, address: string, state: AddressState) => {
    socket.destroy();
    context.telemetry.metrics.api.connectionsRefusedTotal.inc();
    state.unreported += 1;
    const now = nowMs();
    if (now - state.lastReportMs < REFUSAL_REPORT_INTERVAL_MS) return;
    const what = `connection refused: ${address} already holds ${maxPerAddress} open connections (http.maxConnectionsPerAddress)${state.unreported > 1 ? `; ${state.unreported} refused since the last report` : ''}`;
    state.lastReportMs = now;
    state.unreported = 0;
    context.events.emitSecurityEvent({ kind: 'rate_limited', who: { ip: address }, where: { protocol: 'tcp' }, what, audience: { scope: 'admin' } });
  };
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    // Closed before it was accepted: there is nothing to count or refuse.
    if (address === undefined) return;
    const state = byAddress.get(address) ?? { open: 0, lastReportMs: Number.NEGATIVE_INFINITY, unreported: 0 };
    if (state.open >= maxPerAddress) {
      refuse(socket, address, state);
      return;
    }
    state.open += 1;
    byAddress.set(address, state);
    socket.once('close', () => {
      state.open -= 1;
      if (state.open === 0) byAddress.delete(address);
    });
  });
  return {
    openConnections: (address) => byAddress.get(address)?.open ?? 0,
    get addresses() {
      return byAddress.size;
    },
  };
}
