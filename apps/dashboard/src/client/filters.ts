/** The security view's filter: pure, so the unit tests pin it. */
import type { SecurityEventItem } from '../protocol.js';
import { CLIENT_LIMITS } from './limits.js';

/** The kinds the nodes report (protocol.ts); kinds seen in the list are offered too. */
export const SECURITY_KINDS = ['auth_failed', 'forbidden', 'rate_limited', 'invalid_request', 'refused_peer', 'invalid_message', 'invalid_proof', 'equivocation'] as const;

export interface SecurityFilter {
  readonly kind: string;
  readonly node: string;
  readonly text: string;
}

export function filterEvents(events: readonly SecurityEventItem[], filter: SecurityFilter): SecurityEventItem[] {
  const text = filter.text.slice(0, CLIENT_LIMITS.filterTextMax).trim().toLowerCase();
  return events.filter(
    (event) =>
      (filter.kind === '' || event.kind === filter.kind) &&
      (filter.node === '' || event.node === filter.node) &&
      (text === '' || [event.who, event.where, event.what, event.kind, event.node].some((field) => field.toLowerCase().includes(text))),
  );
}

