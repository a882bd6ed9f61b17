/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * The client's HTTP calls to its dashboard server (routes in protocol.ts): signing in with an
 * observer token and reading a snapshot of a range. The session is an HttpOnly cookie the
 * server sets; the token itself is never stored by the page.
 */
import type { ChartRange, DashboardSnapshot } from '../protocol.js';

/** The server answered 401: there is no session (or it expired); the page asks for a token. */
export class NotSignedInError extends Error {
  override readonly name = 'NotSignedInError';
  constructor() {
    super('no dashboard session: sign in with an observer token');
  }
}

/** The token was refused by `POST /api/session`. */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';
  constructor() {
    super('the dashboard refused this token (an observer token of the consortium is needed)');
  }
}

/** Any other failed request: the server is down or answered something unexpected. */
export class DashboardRequestError extends Error {
  override readonly name = 'DashboardRequestError';
  constructor(
    readonly route: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`${route}: ${detail}`);
  }
}

/** Tokens longer than this are refused before sending (the node's tokens are 43 characters of base64url). */
export const TOKEN_LENGTH_MAX = 512;

/**
 * `#token=...` in the address: the URL `npm start` prints. Returns the token and removes the
 * fragment from the address and the history, so it is not bookmarked or shared by accident.
 */
export function takeTokenFromFragment(location: Location, history: History): string | null {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (match === null) return null;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  const token = decodeURIComponent(match[1] ?? '');
  return token === '' ? null : token;
}

export async function signIn(token: string): Promise<void> {
  if (token.length === 0 || token.length > TOKEN_LENGTH_MAX) throw new TokenRefusedError();
  const response = await request('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (response.status === 401 || response.status === 400) throw new TokenRefusedError();
  if (!response.ok) throw new DashboardRequestError('/api/session', response.status, `answered ${response.status}`);
}

export async function fetchSnapshot(range: ChartRange): Promise<DashboardSnapshot> {
  const route = `/api/snapshot?range=${range}`;
  const response = await request(route, { headers: { accept: 'application/json' } });
  if (response.status === 401) throw new NotSignedInError();
  if (!response.ok) throw new DashboardRequestError(route, response.status, `answered ${response.status}`);
  return (await response.json()) as DashboardSnapshot;
}

async function request(route: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(route, { ...init, credentials: 'same-origin', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new DashboardRequestError(route, null, (error as Error).message);
  }
}
