/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * The live stream: an EventSource on `/api/stream` whose events are named by message type.
 * EventSource retries a dropped connection by itself; when it gives up (the server answered
 * an error, or is gone) we open a new one after a back-off, and ask the caller whether we are
 * still signed in (a 401 closes an EventSource without telling why).
 */
import type { StreamMessage, StreamMessageType } from '../protocol.js';
import { CLIENT_LIMITS } from './limits.js';

export const STREAM_PATH = '/api/stream';

const MESSAGE_TYPES: readonly StreamMessageType[] = ['snapshot', 'tick', 'block', 'security', 'alert', 'settlements', 'zkp'];

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  readonly onMessage: (message: StreamMessage) => void;
  readonly onStatus: (status: StreamStatus) => void;
  /** Called before each reconnect; resolve false to stop (signed out). */
  readonly beforeReconnect: () => Promise<boolean>;
  /** A message that is not JSON of the protocol's shape (counted and shown, never applied). */
  readonly onBadMessage: (type: string, detail: string) => void;
}

/** Opens the stream; the returned function closes it for good. */
export function openStream(handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let closed = false;
  let waitMs: number = CLIENT_LIMITS.reconnectFirstMs;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const connect = () => {
    if (closed) return;
    handlers.onStatus('connecting');
    const current = new EventSource(STREAM_PATH, { withCredentials: true });
    source = current;
    current.onopen = () => {
      waitMs = CLIENT_LIMITS.reconnectFirstMs;
      handlers.onStatus('live');
    };
    current.onerror = () => {
      if (current.readyState !== EventSource.CLOSED) {
        handlers.onStatus('reconnecting');
        return;
      }
      current.close();
      handlers.onStatus('reconnecting');
      timer = setTimeout(() => {
        timer = null;
        void handlers.beforeReconnect().then((again) => {
          if (again) connect();
        });
      }, waitMs);
      waitMs = Math.min(waitMs * 2, CLIENT_LIMITS.reconnectMaxMs);
    };
    for (const type of MESSAGE_TYPES) {
      current.addEventListener(type, (event: MessageEvent<string>) => {
        const message = parseMessage(type, event.data);
        if (typeof message === 'string') handlers.onBadMessage(type, message);
        else handlers.onMessage(message);
      });
    }
  };
  connect();
  return () => {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    source?.close();
  };
}

/** The message, or why it is not one. The event name is the type; the data may repeat it. */
export function parseMessage(type: StreamMessageType, data: string): StreamMessage | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not an object';
  const record = parsed as Record<string, unknown>;
  if (record.type !== undefined && record.type !== type) return `event ${type} carries type ${JSON.stringify(record.type)}`;
  return { ...record, type } as StreamMessage;
}
