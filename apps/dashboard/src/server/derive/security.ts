import type { SecurityEventItem } from '../../protocol.js';
import { memberOf, type DeriveContext } from './context.js';
import { DASHBOARD_LIMITS } from '../limits.js';

/**
 * The security-events list, newest first and bounded. Two sources: the events a node publishes
 * to observers on its event stream (refused peers, invalid messages and proofs, equivocation:
 * chain-level facts), and, for the API's own refusals, which a node shows only to admins or the
 * member concerned, the increase of its `consortium_security_events_total{kind}` counter between
 * two scrapes, so an observer still sees a burst of bad credentials, as counts without who.
 */

/** Kinds a node never streams to an observer: the dashboard learns them from the counter. */
export const COUNTED_KINDS: ReadonlySet<string> = new Set(['auth_failed', 'forbidden', 'rate_limited', 'invalid_request']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const parts = (value: unknown) => (isRecord(value) ? Object.entries(value).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => `${k}=${String(v)}`).join(' ') : '');

/** A node's `security` stream event as a list item; null when it is not one. */
export function securityItemOf(member: string, data: unknown): SecurityEventItem | null {
  if (!isRecord(data) || typeof data['kind'] !== 'string') return null;
  return {
    timeMs: typeof data['timeMs'] === 'number' ? data['timeMs'] : Date.now(),
    node: typeof data['node'] === 'string' ? data['node'] : member,
    kind: data['kind'],
    who: parts(data['who']),
    where: parts(data['where']),
    what: typeof data['what'] === 'string' ? data['what'] : '',
  };
}

export class SecurityList {
  private readonly items: SecurityEventItem[] = [];
  private readonly lastCounts = new Map<string, number>();

  add(item: SecurityEventItem): SecurityEventItem {
    this.items.unshift(item);
    this.items.length = Math.min(this.items.length, DASHBOARD_LIMITS.securityEventsMax);
    return item;
  }

  /** Items for the counted kinds whose counters rose in this round; also added to the list. */
  fromCounters(context: DeriveContext): SecurityEventItem[] {
    const added: SecurityEventItem[] = [];
    // The newest sample of each series in the window; one seen before adds nothing (its value did not move).
    for (const { labels, sample } of context.store.latest('consortium_security_events_total', context.nowMs - context.rateWindowMs)) {
      const member = memberOf(labels);
      const kind = labels['kind'];
      if (member === null || kind === undefined || !COUNTED_KINDS.has(kind)) continue;
      const key = `${member}\u0000${kind}`;
      const previous = this.lastCounts.get(key);
      this.lastCounts.set(key, sample.value);
      const increase = previous === undefined ? 0 : sample.value >= previous ? sample.value - previous : sample.value;
      if (increase <= 0) continue;
      added.push(this.add({ timeMs: sample.timeMs, node: member, kind, who: '', where: 'http api', what: `${increase} ${kind.replace('_', ' ')} event${increase === 1 ? '' : 's'} since the last scrape (details in the node's security log)` }));
    }
    return added;
  }

  list(): SecurityEventItem[] {
    return [...this.items];
  }
}
