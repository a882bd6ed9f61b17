import type { ApiClient } from '@consortium/node-config';
import type { Logger, SecurityMetrics } from '@consortium/telemetry';
import { canSee, type EventAudience, type SecurityEvent, type SecurityEventInput } from './security-event.js';
import type { SecurityLog } from './security-log.js';

/**
 * What the live event stream (GET /v1/events) carries: security events, and committed blocks
 * so an observer sees the chain move. Settlement events join when the settlement application
 * lands. Each event names its audience; a subscriber receives only what its client may see.
 */
export type NodeEvent =
  | { readonly type: 'security'; readonly audience: EventAudience; readonly data: SecurityEvent }
  | { readonly type: 'block'; readonly audience: EventAudience; readonly data: { readonly height: number; readonly hash: string; readonly timeMs: number; readonly txs: number } }
  /** A settlement event of a committed block (agreement registered, batch committed, statement state, anomaly, period closed), in JSON form. */
  | { readonly type: 'settlement'; readonly audience: EventAudience; readonly data: { readonly height: number; readonly timeMs: number; readonly type: string } & Readonly<Record<string, unknown>> };

export type EventListener = (event: NodeEvent) => void;

/** The node's one place where events are published; `emitSecurityEvent` is what other parts call. */
export class NodeEvents {
  private readonly subscribers = new Map<EventListener, ApiClient>();

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
    return event;
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
}
