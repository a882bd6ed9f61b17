import type { SecurityEventItem } from '../../protocol.js';
import { DASHBOARD_LIMITS } from '../limits.js';

/**
 * The security-events list, newest first and bounded, from what the nodes' event streams carry:
 * the events an observer may see (refused peers, invalid messages and proofs, equivocation:
 * chain-level facts) in full, and of the others (the API's refusals, the business of the node's
 * admins and the member concerned) the node's `security_notice`s: kind and count, at once.
 */

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

/** A node's `security_notice` stream event (kind and count of events an observer may not see) as a list item; null when it is not one. */
export function securityNoticeItemOf(member: string, data: unknown): SecurityEventItem | null {
  if (!isRecord(data) || typeof data['kind'] !== 'string' || typeof data['count'] !== 'number') return null;
  const count = data['count'];
  return {
    timeMs: typeof data['lastTimeMs'] === 'number' ? data['lastTimeMs'] : Date.now(),
    node: typeof data['node'] === 'string' ? data['node'] : member,
    kind: data['kind'],
    who: '',
    where: '',
    what: `${count} ${data['kind'].replace('_', ' ')} event${count === 1 ? '' : 's'} (who and where: the node's security log)`,
  };
}

export class SecurityList {
  private readonly items: SecurityEventItem[] = [];

  add(item: SecurityEventItem): SecurityEventItem {
    this.items.unshift(item);
    this.items.length = Math.min(this.items.length, DASHBOARD_LIMITS.securityEventsMax);
    return item;
  }

  list(): SecurityEventItem[] {
    return [...this.items];
  }
}
