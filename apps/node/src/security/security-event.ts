import type { ApiClient } from '@consortium/node-config';

/**
 * A security event: who did what, when and where. Every refused or invalid input becomes one
 * (API authentication failures, forbidden access, rate limiting, invalid requests; refused peers,
 * invalid messages and proofs, equivocation from the rest of the node). Events go to the
 * append-only security log and to the live event stream, each viewer seeing its audience only.
 */

export const SECURITY_EVENT_KINDS = ['auth_failed', 'forbidden', 'rate_limited', 'invalid_request', 'refused_peer', 'invalid_message', 'invalid_proof', 'equivocation'] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/**
 * Who may see an event on the stream: everyone with observer access (chain-level facts such as
 * equivocation), the operators of one member (what its own clients did), the operators of the
 * two members of a pair (a usage anomaly on their records), or admins only (what an unknown
 * caller tried: its address is nobody else's business). Admins see every event.
 */
export type EventAudience =
  | { readonly scope: 'public' }
  | { readonly scope: 'member'; readonly member: string }
  | { readonly scope: 'parties'; readonly members: readonly [string, string] }
  | { readonly scope: 'admin' };

export interface SecurityEventInput {
  readonly kind: SecurityEventKind;
  /** Who: the API client (id, role, member), the remote address, or the peer and its member. */
  readonly who: { readonly client?: string; readonly role?: string; readonly member?: string; readonly ip?: string; readonly peer?: string };
  /** Where: the route (method and pattern) or the p2p protocol. */
  readonly where: { readonly method?: string; readonly route?: string; readonly protocol?: string };
  /** What, in words, for the person reading the log. */
  readonly what: string;
  readonly audience: EventAudience;
}

export interface SecurityEvent extends SecurityEventInput {
  /** When, in ms since the epoch (the log also writes it as ISO 8601). */
  readonly timeMs: number;
  /** The node that saw it (its member id). */
  readonly node: string;
}

/** An API client's events are its member's business (operators) or the admins' (everyone else). */
export function audienceOfClient(client: ApiClient | null): EventAudience {
  return client?.role === 'operator' && client.member !== undefined ? { scope: 'member', member: client.member } : { scope: 'admin' };
}

/** Whether `viewer` (an authenticated client) may see an event meant for `audience`. */
export function canSee(viewer: ApiClient, audience: EventAudience): boolean {
  if (viewer.role === 'admin' || audience.scope === 'public') return true;
  if (viewer.role !== 'operator' || viewer.member === undefined) return false;
  if (audience.scope === 'parties') return audience.members.includes(viewer.member);
  return audience.scope === 'member' && viewer.member === audience.member;
}
