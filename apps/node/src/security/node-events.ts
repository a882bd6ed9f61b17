import type { ApiClient } from '@consortium/node-config';
import type { Logger, SecurityMetrics } from '@consortium/telemetry';
import { canSee, type EventAudience, type SecurityEvent, type SecurityEventInput } from './security-event.js';
import type { SecurityLog } from './security-log.js';
import { SecurityNotices, type SecurityNotice } from './security-notices.js';

/**
 * What the live event stream (GET /v1/events) carries: security events, and committed blocks
 * so an observer sees the chain move, and settlement events. Each event names its audience; a
 * subscriber receives only what its client may see. Of a security event meant for admins or one
 * member, everyone else sees a `security_notice`: its kind and count, coalesced (SecurityNotices).
 */
export type NodeEvent =
  | { readonly type: 'security'; readonly audience: EventAudience; readonly data: SecurityEvent }
  | { readonly type: 'block'; readonly audience: EventAudience; readonly data: { readonly height: number; readonly hash: string; readonly timeMs: number; readonly txs: number } }
  /** A settlement event of a committed block (agreement registered, batch committed, statement state, period closed; public), or a usage anomaly this node raised on a pair (its two parties only), in JSON form. */
  | { readonly type: 'settlement'; readonly audience: EventAudience; readonly data: { readonly height: number; readonly timeMs: number; readonly type: string } & Readonly<Record<string, unknown>> }
  /** Security events of a kind not meant for everyone: how many, when, at which node; never who, where or what. */
  | { readonly type: 'security_notice'; readonly audience: EventAudience; readonly data: SecurityNotice & { readonly node: string } };

export type EventListener = (event: NodeEvent) => void;

/** The node's one place where events are published; `emitSecurityEvent` is what other parts call. */
export class NodeEvents {
  private readonly subscribers = new Map<EventListener, ApiClient>();
  private readonly notices = new SecurityNotices((notice) => this.publish({ type: 'security_notice', audience: { scope: 'public' }, data: { ...notice, node: this.deps.node } }));

  constructor(
    private readonly deps: {
      readonly node: string;
      readonly log: SecurityLog;
      readonly metrics: SecurityMetrics;
      readonly logger: Logger;
      readonly nowMs?: () => number;
    },
  ) {}

  /** Counts the event, appends it to the security log, logs it and publishes it on the stream. */
  emitSecurityEvent(input: SecurityEventInput): SecurityEvent {
    const event: SecurityEvent = { ...input, timeMs: (this.deps.nowMs ?? Date.now)(), node: this.deps.node };
    this.deps.metrics.eventsTotal.inc({ kind: event.kind });
    this.deps.log.append(event);
    this.deps.logger.warn({ securityEvent: event.kind, who: event.who, where: event.where }, event.what);
    this.publish({ type: 'security', audience: event.audience, data: event });
    if (event.audience.scope !== 'public') this.notices.add(event.kind, event.timeMs);
    return event;
  }

  /** Tells the notices still pending and stops their timers. */
  close(): void {
    this.notices.close();
  }

  publish(event: NodeEvent): void {
    for (const [listener, viewer] of this.subscribers) if (canSee(viewer, event.audience)) listener(event);
  }

  /** Delivers every later event `viewer` may see; returns the unsubscribe function. */
  subscribe(viewer: ApiClient, listener: EventListener): () => void {
    this.subscribers.set(listener, viewer);
    return () => this.subscribers.delete(listener);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Subscriptions held by one client (by client id): the event stream caps them per client. */
  subscriberCountOf(client: string): number {
    let count = 0;
    for (const viewer of this.subscribers.values()) if (viewer.client === client) count += 1;
    return count;
  }
}
