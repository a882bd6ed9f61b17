import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DASHBOARD_LIMITS, DEADLINES_MS } from '../limits.js';
import type { Target } from './targets.js';

/**
 * Follows one node's live event stream (GET /v1/events, server-sent events, observer token):
 * parses it with eventsource-parser (each event bounded in bytes), hands every event to
 * `onEvent` as it arrives, and reconnects with exponential back-off (from 250 ms to 10 s, reset
 * once a stream opens) until stopped. A node that is down is simply retried.
 */

export interface NodeStreamEvent {
  readonly member: string;
  readonly type: string;
  readonly data: unknown;
}

export interface NodeEventsObserver {
  connected(member: string): void;
  disconnected(member: string, reason: string): void;
  /** An event that is not JSON, or over its size bound (dropped). */
  malformed(member: string): void;
}

export class NodeEventStream {
  private readonly controller = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    readonly target: Target,
    private readonly onEvent: (event: NodeStreamEvent) => void,
    private readonly observer: NodeEventsObserver | null = null,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let delayMs: number = DEADLINES_MS.eventStreamRetryMin;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const opened = await this.followOnce(signal).then(
        (wasOpen) => wasOpen,
        (error: unknown) => {
          if (!signal.aborted) this.observer?.disconnected(this.target.id, error instanceof Error ? error.message : String(error));
          return false;
        },
      );
      if (signal.aborted) return;
      if (opened) delayMs = DEADLINES_MS.eventStreamRetryMin;
      await new Promise<void>((done) => {
        const timer = setTimeout(done, delayMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
      });
      delayMs = Math.min(delayMs * 2, DEADLINES_MS.eventStreamRetryMax);
    }
  }

  /** One connection until it ends; resolves true when the stream had opened. */
  private async followOnce(signal: AbortSignal): Promise<boolean> {
    const response = await fetch(`${this.target.apiUrl}/v1/events`, { signal, headers: { authorization: `Bearer ${this.target.observerToken}`, accept: 'text/event-stream' } });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`GET /v1/events: HTTP ${response.status}`);
    }
    this.observer?.connected(this.target.id);
    const parser = createParser({
      maxBufferSize: DASHBOARD_LIMITS.nodeEventBytesMax,
      onEvent: (message: EventSourceMessage) => this.deliver(message),
      onError: () => this.observer?.malformed(this.target.id),
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    this.observer?.disconnected(this.target.id, 'the stream ended');
    return true;
  }

  private deliver(message: EventSourceMessage): void {
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      this.observer?.malformed(this.target.id);
      return;
    }
    this.onEvent({ member: this.target.id, type: message.event ?? 'message', data });
  }
}
