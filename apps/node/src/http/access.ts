import type { ApiClient, ApiRole } from '@consortium/node-config';

/**
 * Who may call a route, declared by the route (`config: { access }`) and decided here, in one
 * pure function, for every request (a hook, never per-route code).
 *
 * - `public`: the operational endpoints (/health, /ready, /metrics, /openapi.json). Without a
 *   token from loopback (the local Prometheus and probes); from anywhere else, observer.
 * - `observer`: public chain data and the node's own state.
 * - `operator`: acts for a member; with `memberParam`, only for the member the route names.
 * - `admin`: everything.
 */
export type RouteAccess = 'public' | ApiRole;

const RANK: Readonly<Record<ApiRole, number>> = { observer: 0, operator: 1, admin: 2 };

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'unknown' }
  | { readonly kind: 'valid'; readonly client: ApiClient };

export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly status: 401; readonly outcome: 'missing_credentials' | 'bad_credentials' | 'unknown_client'; readonly message: string }
  | { readonly allowed: false; readonly status: 403; readonly outcome: 'forbidden'; readonly message: string };

export interface AccessRequest {
  readonly access: RouteAccess;
  readonly credentials: Credentials;
  readonly fromLoopback: boolean;
  /** The member the route's data or action belongs to (from its `memberParam`), if any. */
  readonly member?: string;
}

export function decideAccess(request: AccessRequest): AccessDecision {
  const { access, credentials, fromLoopback } = request;
  // A wrong token is refused even where none is needed: a client with a broken credential
  // should learn it at once, not on its first protected call.
  if (credentials.kind === 'invalid') {
    return credentials.reason === 'malformed'
      ? { allowed: false, status: 401, outcome: 'bad_credentials', message: 'the Authorization header must be "Bearer <token>"' }
      : { allowed: false, status: 401, outcome: 'unknown_client', message: 'the token is not valid for this node' };
  }
  if (credentials.kind === 'none') {
    if (access === 'public' && fromLoopback) return { allowed: true };
    return { allowed: false, status: 401, outcome: 'missing_credentials', message: 'this route needs a bearer token (Authorization: Bearer <token>)' };
  }
  const { client } = credentials;
  const needed: ApiRole = access === 'public' ? 'observer' : access;
  if (RANK[client.role] < RANK[needed]) return { allowed: false, status: 403, outcome: 'forbidden', message: `${client.client} is ${client.role}; this route needs ${needed}` };
  if (request.member !== undefined && client.role === 'operator' && client.member !== request.member) {
    return { allowed: false, status: 403, outcome: 'forbidden', message: `${client.client} acts for ${client.member}, not for ${request.member}` };
  }
  return { allowed: true };
}

/** The credentials a request presents in its Authorization header. */
export function credentialsOf(authorization: string | undefined, find: (token: string) => ApiClient | null): Credentials {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
  if (match === null) return { kind: 'invalid', reason: 'malformed' };
  const client = find(match[1]!);
  return client === null ? { kind: 'invalid', reason: 'unknown' } : { kind: 'valid', client };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
/** The socket's address, not a header: a proxy's X-Forwarded-For is not trusted (no trustProxy). */
export const isLoopback = (address: string | undefined) => address !== undefined && LOOPBACK.has(address);
