import { isApiClientExpired, type ApiClient, type ApiRole } from '@consortium/node-config';

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
  /** A token the tokens file lists, past its `expiresAt`: refused, but the client is known (for the log and the answer). */
  | { readonly kind: 'expired'; readonly client: ApiClient }
  | { readonly kind: 'valid'; readonly client: ApiClient };

export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly status: 401;
      readonly outcome: 'missing_credentials' | 'bad_credentials' | 'unknown_client' | 'expired_credentials';
      /** The body's `error`: an expired token has its own, so a client knows to ask for a new one rather than check its configuration. */
      readonly error: 'unauthorized' | 'token_expired';
      readonly message: string;
    }
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
      ? { allowed: false, status: 401, outcome: 'bad_credentials', error: 'unauthorized', message: 'the Authorization header must be "Bearer <token>"' }
      : { allowed: false, status: 401, outcome: 'unknown_client', error: 'unauthorized', message: 'the token is not valid for this node' };
  }
  if (credentials.kind === 'expired') {
    return { allowed: false, status: 401, outcome: 'expired_credentials', error: 'token_expired', message: `the token of ${credentials.client.client} expired at ${credentials.client.expiresAt ?? '?'}: ask the node's operators for a new one` };
  }
  if (credentials.kind === 'none') {
    if (access === 'public' && fromLoopback) return { allowed: true };
    return { allowed: false, status: 401, outcome: 'missing_credentials', error: 'unauthorized', message: 'this route needs a bearer token (Authorization: Bearer <token>)' };
  }
  const { client } = credentials;
  const needed: ApiRole = access === 'public' ? 'observer' : access;
  if (RANK[client.role] < RANK[needed]) return { allowed: false, status: 403, outcome: 'forbidden', message: `${client.client} is ${client.role}; this route needs ${needed}` };
  if (request.member !== undefined && client.role === 'operator' && client.member !== request.member) {
    return { allowed: false, status: 403, outcome: 'forbidden', message: `${client.client} acts for ${client.member}, not for ${request.member}` };
  }
  return { allowed: true };
}

/** The credentials a request presents in its Authorization header; `nowMs` decides whether a listed token has expired. */
export function credentialsOf(authorization: string | undefined, find: (token: string) => ApiClient | null, nowMs: number): Credentials {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  const token = bearerTokenOf(authorization);
  if (token === null) return { kind: 'invalid', reason: 'malformed' };
  const client = find(token);
  if (client === null) return { kind: 'invalid', reason: 'unknown' };
  return isApiClientExpired(client, nowMs) ? { kind: 'expired', client } : { kind: 'valid', client };
}

/** The token of an `Authorization: Bearer <token>` header, or null when the header is not one. */
export function bearerTokenOf(authorization: string | undefined): string | null {
  return /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '')?.[1] ?? null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
/** The socket's address, not a header: a proxy's X-Forwarded-For is not trusted (no trustProxy). */
export const isLoopback = (address: string | undefined) => address !== undefined && LOOPBACK.has(address);
