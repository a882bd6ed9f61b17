/**
 * Peer health for the topology view: per member, whether it is connected, its RTT, traffic per
 * protocol and direction, frames dropped, its score and back-off, and its last connection
 * up/down events. The record is plain data kept by the node; peerHealth() copies it out.
 */
import { PROTOCOL_NAMES, type ProtocolName } from './constants.js';
import type { DisconnectReason, MemberId } from './types.js';

export interface TrafficCounters {
  readonly bytes: number;
  readonly messages: number;
}

export interface ProtocolTraffic {
  readonly sent: TrafficCounters;
  readonly received: TrafficCounters;
  /** Frames this node meant to send but dropped: send queue full, member not connected, write failed. */
  readonly droppedMessages: number;
}

export interface ConnectionEvent {
  readonly kind: 'up' | 'down';
  /** Epoch ms. */
  readonly atMs: number;
  /** Who opened the connection that brought the member up; null for down events. */
  readonly direction: 'inbound' | 'outbound' | null;
  /** Why the member went down; null for up events. */
  readonly reason: DisconnectReason | null;
}

export interface PeerHealth {
  readonly memberId: MemberId;
  readonly peerId: string;
  readonly connected: boolean;
  /** Open connections (two when both sides dialled at once). */
  readonly connections: number;
  /** Since when the member is connected (or was last disconnected), epoch ms; null if never seen. */
  readonly sinceMs: number | null;
  /** Last measured ping round trip, ms; null until one succeeded. */
  readonly rttMs: number | null;
  /** When rttMs was measured, epoch ms. */
  readonly rttMeasuredAtMs: number | null;
  readonly traffic: Readonly<Record<ProtocolName, ProtocolTraffic>>;
  /** Oldest first, at most `healthEventsMax`. */
  readonly events: readonly ConnectionEvent[];
  /** Invalid-message score now (decays over time). */
  readonly score: number;
  /** End of the current back-off, epoch ms; null when the member is not in back-off. */
  readonly backoffUntilMs: number | null;
  /** Back-offs the member has served since this node started. */
  readonly backoffs: number;
}

interface MutableTraffic {
  sent: { bytes: number; messages: number };
  received: { bytes: number; messages: number };
  droppedMessages: number;
}

function emptyTraffic(): Record<ProtocolName, MutableTraffic> {
  const traffic = {} as Record<ProtocolName, MutableTraffic>;
  for (const protocol of PROTOCOL_NAMES) {
    traffic[protocol] = { sent: { bytes: 0, messages: 0 }, received: { bytes: 0, messages: 0 }, droppedMessages: 0 };
  }
  return traffic;
}

/** The mutable health data of one member. */
export class PeerHealthRecord {
  private readonly traffic = emptyTraffic();
  private readonly events: ConnectionEvent[] = [];
  private sinceMs: number | null = null;
  rttMs: number | null = null;
  rttMeasuredAtMs: number | null = null;

  constructor(private readonly eventsMax: number) {}

  recordSent(protocol: ProtocolName, bytes: number): void {
    this.traffic[protocol].sent.bytes += bytes;
    this.traffic[protocol].sent.messages += 1;
  }

  recordReceived(protocol: ProtocolName, bytes: number): void {
    this.traffic[protocol].received.bytes += bytes;
    this.traffic[protocol].received.messages += 1;
  }

  recordDropped(protocol: ProtocolName, messages: number): void {
    this.traffic[protocol].droppedMessages += messages;
  }

  recordUp(atMs: number, direction: 'inbound' | 'outbound'): void {
    this.sinceMs = atMs;
    this.pushEvent({ kind: 'up', atMs, direction, reason: null });
  }

  recordDown(atMs: number, reason: DisconnectReason): void {
    this.sinceMs = atMs;
    this.pushEvent({ kind: 'down', atMs, direction: null, reason });
  }

  recordRtt(rttMs: number, atMs: number): void {
    this.rttMs = rttMs;
    this.rttMeasuredAtMs = atMs;
  }

  private pushEvent(event: ConnectionEvent): void {
    this.events.push(event);
    // A bounded history: the topology view needs the recent flaps, not all of them.
    while (this.events.length > this.eventsMax) this.events.shift();
  }

  snapshot(fields: {
    memberId: MemberId;
    peerId: string;
    connections: number;
    score: number;
    backoffUntilMs: number | null;
    backoffs: number;
  }): PeerHealth {
    const traffic = {} as Record<ProtocolName, ProtocolTraffic>;
    for (const protocol of PROTOCOL_NAMES) {
      const t = this.traffic[protocol];
      traffic[protocol] = { sent: { ...t.sent }, received: { ...t.received }, droppedMessages: t.droppedMessages };
    }
    return {
      memberId: fields.memberId,
      peerId: fields.peerId,
      connected: fields.connections > 0,
      connections: fields.connections,
      sinceMs: this.sinceMs,
      rttMs: this.rttMs,
      rttMeasuredAtMs: this.rttMeasuredAtMs,
      traffic,
      events: [...this.events],
      score: fields.score,
      backoffUntilMs: fields.backoffUntilMs,
      backoffs: fields.backoffs,
    };
  }
}
