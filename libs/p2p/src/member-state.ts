/**
 * What the node keeps per remote member: its connections, outbound channels and send budget,
 * rate buckets, score and back-off, redial schedule, ping state and health record.
 */
import type { Connection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { RemoteMember } from './config.js';
import type { MessageProtocol, P2PLimits, ProtocolName } from './constants.js';
import { PeerHealthRecord, type PeerHealth } from './health.js';
import { ExponentialBackoff, PeerDiscipline, SendBudget, TokenBucket } from './limits.js';
import type { OutboundChannel } from './outbound.js';
import type { DisconnectReason, MemberId } from './types.js';

export class MemberState {
  readonly id: MemberId;
  readonly peerId: PeerId;
  readonly peerIdText: string;
  readonly addresses: readonly Multiaddr[];
  /** Open connections by connection id (both directions). */
  readonly connections = new Map<string, Connection>();
  readonly channels = new Map<MessageProtocol, OutboundChannel>();
  readonly budget: SendBudget;
  readonly discipline: PeerDiscipline;
  readonly health: PeerHealthRecord;
  readonly redialBackoff: ExponentialBackoff;
  redialTimer: NodeJS.Timeout | null = null;
  /** Set just before this node closes the member's connections on purpose. */
  pendingDownReason: DisconnectReason | null = null;
  pingInFlight = false;
  consecutivePingFailures = 0;
  private readonly rateBuckets = new Map<ProtocolName, { readonly frames: TokenBucket; readonly bytes: TokenBucket }>();

  constructor(
    member: Pick<RemoteMember, 'id' | 'peerId' | 'addresses'>,
    private readonly limits: P2PLimits,
  ) {
    this.id = member.id;
    this.peerId = member.peerId;
    this.peerIdText = member.peerId.toString();
    this.addresses = member.addresses;
    this.budget = new SendBudget(limits.sendQueueMaxFrames, limits.sendQueueMaxBytes);
    this.discipline = new PeerDiscipline(limits);
    this.health = new PeerHealthRecord(limits.healthEventsMax);
    this.redialBackoff = new ExponentialBackoff(limits.redialBaseMs, limits.redialMaxMs);
  }

  /**
   * What to dial: the configured addresses, each naming the member's peer id, so the dial goes
   * to exactly them. Identify replaces the peer store's addresses with the ones the member
   * announces (its own listen addresses: 0.0.0.0, a private network, a port behind a proxy),
   * which the operator did not choose and which may not be reachable from here. Only a member
   * configured without addresses is dialled by peer id, through what identify taught the store.
   */
  dialTarget(): PeerId | Multiaddr[] {
    if (this.addresses.length === 0) return this.peerId;
    return this.addresses.map((address) => address.encapsulate(`/p2p/${this.peerIdText}`));
  }

  get connected(): boolean {
    return this.connections.size > 0;
  }

  /** An open connection to use for a new stream, or null. */
  openConnection(): Connection | null {
    for (const connection of this.connections.values()) {
      if (connection.status === 'open') return connection;
    }
    return null;
  }

  /** Takes one frame of `bytes` from the member's buckets for `protocol`; false: over the frame or the byte rate (nothing taken). */
  takeRateToken(protocol: ProtocolName, nowMs: number, bytes: number): boolean {
    let buckets = this.rateBuckets.get(protocol);
    if (buckets === undefined) {
      const rate = this.limits.messageRates[protocol];
      buckets = {
        frames: new TokenBucket(rate, nowMs),
        bytes: new TokenBucket({ perSecond: rate.bytesPerSecond, burst: rate.burstBytes }, nowMs),
      };
      this.rateBuckets.set(protocol, buckets);
    }
    if (buckets.frames.available(nowMs) < 1 || buckets.bytes.available(nowMs) < bytes) return false;
    buckets.frames.tryTake(nowMs);
    buckets.bytes.tryTake(nowMs, bytes);
    return true;
  }

  clearRedial(): void {
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
  }

  closeChannels(reason: Error): void {
    for (const channel of this.channels.values()) channel.close(reason);
    this.channels.clear();
  }

  snapshot(nowMs: number): PeerHealth {
    return this.health.snapshot({
      memberId: this.id,
      peerId: this.peerIdText,
      connections: this.connections.size,
      score: this.discipline.scoreAt(nowMs),
      backoffUntilMs: this.discipline.backoffUntil(nowMs),
      backoffs: this.discipline.backoffs,
    });
  }
}
