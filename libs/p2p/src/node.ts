/**
 * P2PNode: the libp2p host of one member. TCP + Noise + Yamux, identify and ping; a
 * members-only gater; framed /consortium/... protocols (fire-and-forget messages over one
 * long-lived stream per member and protocol, request/response over a stream per request);
 * per-member rate limits, an invalid-message score and back-off; connections kept up with
 * redials; peer health and the p2p/security metrics.
 *
 * Consensus's `Transport` interface is a subset of this class's methods; the two packages
 * share the shape, not an import (they are in the same layer).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Logger, P2pMetrics, SecurityMetrics } from '@consortium/telemetry';
import { identify, type Identify } from '@libp2p/identify';
import type { Connection, Libp2p, PrivateKey, Stream } from '@libp2p/interface';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import type { Tracer } from '@opentelemetry/api';
import { createLibp2p } from 'libp2p';
import {
  buildMemberDirectory,
  inboundUpgradingConnectionsMax,
  parseAddress,
  resolveFrameLimits,
  resolveLimits,
  type FrameLimitsOverrides,
  type P2PLimitsOverrides,
} from './config.js';
import {
  LOG_THROTTLE_WINDOW_MS,
  MAX_STREAMS_PER_CONNECTION,
  MESSAGE_PROTOCOLS,
  PRIVATE_PROTOCOLS,
  PROTOCOL_IDS,
  REQUEST_PROTOCOLS,
  RESPONSE_STATUS,
  type FrameLimits,
  type MessageProtocol,
  type P2PLimits,
  type ProtocolName,
  type RequestProtocol,
} from './constants.js';
import {
  DialFailedError,
  DialRefusedError,
  HandlerAlreadyRegisteredError,
  InvalidAddressError,
  MalformedFrameError,
  NodeNotStartedError,
  NodeStartError,
  NodeStoppedError,
  NotConnectedError,
  OversizedFrameError,
  PeerLimitExceededError,
  PingMismatchError,
  RequestFailedError,
  RequestRefusedError,
  RequestTimeoutError,
  SelfAddressedError,
  UnknownMemberError,
  UnsupportedNodeKeyTypeError,
  type RequestRefusal,
} from './errors.js';
import { createMembersOnlyGater, type Refusal } from './gater.js';
import type { PeerHealth } from './health.js';
import {
  assertHandler,
  assertInvalidMessageKind,
  assertMessageProtocol,
  assertPayload,
  assertRequestProtocol,
  assertTimeout,
} from './input.js';
import { peerIdOf } from './keys.js';
import { LogThrottle, withJitter } from './limits.js';
import { MemberState } from './member-state.js';
import { OutboundChannel, type DropCause } from './outbound.js';
import { PrivateExchange, type PrivateHandler, type SendPrivateOptions } from './private-exchange.js';
import { QuorumReach } from './quorum.js';
import { measureRtt } from './rtt.js';
import { boundedLengthDecoder, isOversizedFrame, readBufferBytes, runWithinDeadline } from './streams.js';
import type { DisconnectReason, InvalidMessageKind, MemberEntry, MemberId, P2PSecurityEvent } from './types.js';

/** The metric areas this package records into (built once by the app, see libs/telemetry). */
export interface P2PNodeMetrics {
  readonly p2p: P2pMetrics;
  readonly security: SecurityMetrics;
}

export interface P2PNodeOptions {
  /** This node's member id; it must be in `members` under this key's peer id. */
  readonly memberId: MemberId;
  /** The node's ed25519 libp2p key (see keys.ts). */
  readonly privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. '/ip4/0.0.0.0/tcp/7000' ('/ip4/127.0.0.1/tcp/0' in tests). */
  readonly listenAddresses: readonly string[];
  /** Every member from genesis (this node included), with addresses to dial where known. */
  readonly members: readonly MemberEntry[];
  /** null when the caller does not record metrics (tests). */
  readonly metrics: P2PNodeMetrics | null;
  /** null for no logging. */
  readonly logger: Logger | null;
  /** Spans of the private exchange (p2p.private.send, p2p.private.receive); absent or null: none. */
  readonly tracer?: Tracer | null;
  readonly limits?: P2PLimitsOverrides;
  /**
   * Frame limits per protocol; every member must use the same. apps/node derives the consensus,
   * tx and sync ones from genesis (the consensus limits table). Defaults: DEFAULT_FRAME_LIMITS.
   */
  readonly frameLimits?: FrameLimitsOverrides;
  /** Each security event (refused peer, invalid or refused message), throttled like the log; the node writes them to its security log. */
  readonly onSecurityEvent?: (event: P2PSecurityEvent) => void;
}

export type MessageHandler = (from: MemberId, payload: Uint8Array) => void;
export type RequestHandler = (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>;

type Libp2pHost = Libp2p<{ identify: Identify; ping: Ping }>;
type Lifecycle = 'created' | 'started' | 'stopping' | 'stopped';
type HandlerOutcome =
  | { readonly kind: 'response'; readonly payload: Uint8Array }
  | { readonly kind: 'refused'; readonly refusal: 'no_handler' | 'rate_limited' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'timed_out' }
  | { readonly kind: 'abandoned' };

/** Margin after a back-off ends before redialling, so the remote's gater sees it over too. */
const REDIAL_AFTER_BACKOFF_MARGIN_MS = 50;

const REFUSAL_BY_STATUS = new Map<number, RequestRefusal>([
  [RESPONSE_STATUS.no_handler, 'no_handler'],
  [RESPONSE_STATUS.handler_failed, 'handler_failed'],
  [RESPONSE_STATUS.rate_limited, 'rate_limited'],
]);

const errorFields = (err: unknown): { error: string } => ({
  error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
});

export class P2PNode {
  readonly memberId: MemberId;
  /** This node's libp2p peer id (12D3KooW...). */
  readonly peerId: string;
  readonly limits: P2PLimits;
  /** The frame limits this node enforces and sends within. */
  readonly frames: FrameLimits;
  private readonly members: readonly MemberState[];
  private readonly quorum: QuorumReach;
  private readonly membersById = new Map<MemberId, MemberState>();
  private readonly membersByPeerId = new Map<string, MemberState>();
  private readonly messageHandlers = new Map<MessageProtocol, MessageHandler>();
  private readonly requestHandlers = new Map<RequestProtocol, RequestHandler>();
  private readonly privateExchange: PrivateExchange;
  private readonly metrics: P2PNodeMetrics | null;
  private readonly log: Logger | null;
  private readonly logThrottle = new LogThrottle(LOG_THROTTLE_WINDOW_MS);
  private readonly listen: readonly string[];
  // Assigned by create() right after construction: the gater it needs reads this object.
  private libp2p!: Libp2pHost;
  private lifecycle: Lifecycle = 'created';
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly onSecurityEvent: ((event: P2PSecurityEvent) => void) | null;

  private constructor(options: P2PNodeOptions, limits: P2PLimits, frames: FrameLimits, peerId: string) {
    this.memberId = options.memberId;
    this.peerId = peerId;
    this.limits = limits;
    this.frames = frames;
    this.metrics = options.metrics;
    this.log = options.logger?.child({ component: 'p2p' }) ?? null;
    this.onSecurityEvent = options.onSecurityEvent ?? null;
    if (!Array.isArray(options.listenAddresses) || options.listenAddresses.length === 0) {
      throw new InvalidAddressError(String(options.listenAddresses), 'listenAddresses must be a non-empty array of multiaddr strings');
    }
    this.listen = options.listenAddresses.map((address) => parseAddress(address).toString());
    const directory = buildMemberDirectory(options.members, options.memberId, peerId);
    this.members = directory.remotes.map((member) => new MemberState(member, limits));
    this.quorum = new QuorumReach(directory.selfVotingPower, directory.remotes);
    for (const member of this.members) {
      this.membersById.set(member.id, member);
      this.membersByPeerId.set(member.peerIdText, member);
    }
    this.privateExchange = new PrivateExchange({
      limits,
      frames,
      security: this.metrics?.security ?? null,
      log: this.log,
      tracer: options.tracer ?? null,
      requireStarted: (operation) => this.requireStarted(operation),
      remoteMember: (memberId) => this.remoteMember(memberId),
      admitStream: (stream, connection, protocol) => this.admitStream(stream, connection, protocol),
      penalize: (member, kind, protocol, details) => this.penalize(member, kind, protocol, details),
      onRateExceeded: (member, protocol, bytes) => this.onRateExceeded(member, protocol, bytes),
      onFrameSent: (member, protocol, bytes) => this.onFrameSent(member, protocol, bytes),
      onFrameReceived: (member, protocol, bytes) => this.onFrameReceived(member, protocol, bytes),
      onHandlerError: (member, protocol, err) => this.onHandlerError(member, protocol, err),
      onInboundStreamError: (member, protocol, stream, err) => this.onInboundStreamError(member, protocol, stream, err),
      warnThrottled: (key, fields, message, event) => {
        const suppressed = this.logThrottle.admit(key, Date.now());
        if (suppressed === null) return;
        this.log?.warn({ ...fields, suppressedSinceLastLine: suppressed }, message);
        if (event !== undefined) this.onSecurityEvent?.({ ...event, what: message, suppressedSinceLast: suppressed });
      },
    });
  }

  /**
   * Checks the options (throwing InvalidMemberListError, InvalidLimitsError,
   * InvalidAddressError, UnsupportedNodeKeyTypeError) and builds the libp2p host, not started.
   */
  static async create(options: P2PNodeOptions): Promise<P2PNode> {
    if (options.privateKey?.type !== 'Ed25519') throw new UnsupportedNodeKeyTypeError(String(options.privateKey?.type));
    const limits = resolveLimits(options.limits);
    const frames = resolveFrameLimits(options.frameLimits, limits.messageRates);
    const node = new P2PNode(options, limits, frames, peerIdOf(options.privateKey));
    node.libp2p = await createLibp2p({
      start: false,
      privateKey: options.privateKey,
      addresses: { listen: [...node.listen] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: createMembersOnlyGater({
        isMember: (peerId) => node.membersByPeerId.has(peerId),
        isInBackoff: (peerId) => node.membersByPeerId.get(peerId)?.discipline.isInBackoff(Date.now()) === true,
        onRefused: (refusal) => node.onRefused(refusal),
      }),
      connectionManager: {
        dialTimeout: limits.dialTimeoutMs,
        inboundConnectionThreshold: limits.inboundConnectionsPerHostPerSecond,
        // An inbound connection gets as long to prove a member's key as our own dials get; past
        // it the socket is closed and its upgrading slot freed (libp2p's default is 10 s).
        inboundUpgradeTimeout: limits.dialTimeoutMs,
        maxIncomingPendingConnections: inboundUpgradingConnectionsMax(limits, node.members.length),
      },
      // Our own pinger (rtt.ts) measures RTT at sub-millisecond resolution and aborts dead
      // connections; libp2p's monitor would ping a second time with whole milliseconds.
      connectionMonitor: { enabled: false },
      services: { identify: identify(), ping: ping() },
    });
    return node;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Starts listening, registers the protocols, dials members with known addresses. */
  async start(): Promise<void> {
    if (this.lifecycle === 'started') return;
    if (this.lifecycle !== 'created') throw new NodeStoppedError('start');
    this.libp2p.addEventListener('connection:open', this.onConnectionOpen);
    this.libp2p.addEventListener('connection:close', this.onConnectionClose);
    for (const protocol of MESSAGE_PROTOCOLS) {
      await this.libp2p.handle(PROTOCOL_IDS[protocol], (stream, connection) => this.handleMessageStream(protocol, stream, connection), {
        maxInboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
        maxOutboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
      });
    }
    for (const protocol of REQUEST_PROTOCOLS) {
      await this.libp2p.handle(PROTOCOL_IDS[protocol], (stream, connection) => this.handleRequestStream(protocol, stream, connection), {
        maxInboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
        maxOutboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
      });
    }
    for (const protocol of PRIVATE_PROTOCOLS) {
      await this.libp2p.handle(PROTOCOL_IDS[protocol], (stream, connection) => this.privateExchange.handleStream(stream, connection), {
        maxInboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
        maxOutboundStreams: MAX_STREAMS_PER_CONNECTION[protocol],
      });
    }
    try {
      await this.libp2p.start();
    } catch (err) {
      // A half-started host is not restarted: release what it holds, and the node is done.
      this.lifecycle = 'stopped';
      await Promise.resolve(this.libp2p.stop()).catch(() => undefined);
      this.libp2p.removeEventListener('connection:open', this.onConnectionOpen);
      this.libp2p.removeEventListener('connection:close', this.onConnectionClose);
      throw new NodeStartError(this.listen, { cause: err });
    }
    this.lifecycle = 'started';
    this.publishConnected();
    for (const member of this.members) {
      this.metrics?.p2p.peerConnected.set({ member: member.id }, 0);
      this.metrics?.p2p.peerScore.set({ member: member.id }, 0);
    }
    this.pingTimer = setInterval(() => this.onPingTick(), this.limits.pingIntervalMs);
    this.log?.info(
      { peerId: this.peerId, listen: this.listenAddresses(), members: this.members.map((member) => member.id) },
      'p2p node started',
    );
    for (const member of this.members) {
      if (member.addresses.length === 0) continue;
      await this.libp2p.peerStore.merge(member.peerId, { multiaddrs: [...member.addresses] });
      this.dialMember(member);
    }
  }

  /** Closes every connection (counted as reason "shutdown") and stops libp2p. Final. */
  async stop(): Promise<void> {
    if (this.lifecycle === 'created') {
      this.lifecycle = 'stopped';
      return;
    }
    if (this.lifecycle !== 'started') return;
    this.lifecycle = 'stopping';
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    const reason = new NodeStoppedError('send');
    for (const member of this.members) {
      member.clearRedial();
      member.closeChannels(reason);
    }
    await this.libp2p.stop();
    this.libp2p.removeEventListener('connection:open', this.onConnectionOpen);
    this.libp2p.removeEventListener('connection:close', this.onConnectionClose);
    this.lifecycle = 'stopped';
    this.log?.info({ peerId: this.peerId }, 'p2p node stopped');
  }

  isStarted(): boolean {
    return this.lifecycle === 'started';
  }

  /** The multiaddrs the node listens on, each ending in /p2p/<peer id>; empty before start. */
  listenAddresses(): string[] {
    if (this.lifecycle !== 'started' && this.lifecycle !== 'stopping') return [];
    return this.libp2p.getMultiaddrs().map((address) => address.toString());
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /** Queues `payload` to every connected member. Never blocks; a slow member loses frames (counted). */
  broadcast(protocol: MessageProtocol, payload: Uint8Array): void {
    this.requireStarted('broadcast');
    assertMessageProtocol(protocol);
    assertPayload(payload, protocol, this.frames.messageMaxBytes[protocol]);
    for (const member of this.members) {
      if (member.connected) this.enqueue(member, protocol, payload);
    }
  }

  /** Queues `payload` to one member; dropped (and counted) when it is not connected. */
  send(to: MemberId, protocol: MessageProtocol, payload: Uint8Array): void {
    this.requireStarted('send');
    assertMessageProtocol(protocol);
    const member = this.remoteMember(to);
    assertPayload(payload, protocol, this.frames.messageMaxBytes[protocol]);
    if (!member.connected) {
      this.onFramesDropped(member, protocol, 1, 'not_connected', null);
      return;
    }
    this.enqueue(member, protocol, payload);
  }

  /** The one handler of a message protocol; it runs synchronously for each frame received. */
  onMessage(protocol: MessageProtocol, handler: MessageHandler): void {
    assertMessageProtocol(protocol);
    assertHandler(handler);
    if (this.messageHandlers.has(protocol)) throw new HandlerAlreadyRegisteredError(protocol);
    this.messageHandlers.set(protocol, handler);
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  /**
   * One request, one response, on a new stream, everything within `timeoutMs`. Rejects with
   * NotConnectedError, RequestTimeoutError, RequestRefusedError, RequestFailedError,
   * OversizedFrameError or MalformedFrameError.
   */
  async request(to: MemberId, protocol: RequestProtocol, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    this.requireStarted('request');
    assertRequestProtocol(protocol);
    const member = this.remoteMember(to);
    assertPayload(payload, protocol, this.frames.requestMaxBytes[protocol]);
    assertTimeout(timeoutMs);
    const connection = member.openConnection();
    if (connection === null) throw new NotConnectedError(to);
    const signal = AbortSignal.timeout(timeoutMs);
    let stream: Stream | null = null;
    try {
      stream = await connection.newStream(PROTOCOL_IDS[protocol], { signal });
      const lp = lpStream(stream, {
        maxDataLength: this.frames.responseMaxBytes[protocol],
        maxBufferSize: readBufferBytes(this.frames.responseMaxBytes[protocol]),
        lengthDecoder: boundedLengthDecoder(this.frames.responseMaxBytes[protocol]),
      });
      await lp.write(payload, { signal });
      this.onFrameSent(member, protocol, payload.byteLength);
      const status = (await lp.read({ signal })).subarray();
      const refusal = this.parseResponseStatus(member, protocol, status);
      if (refusal !== null) {
        this.onFrameReceived(member, protocol, 0);
        throw new RequestRefusedError(to, protocol, refusal);
      }
      const response = (await lp.read({ signal })).subarray();
      this.onFrameReceived(member, protocol, response.byteLength);
      this.closeQuietly(stream);
      return response;
    } catch (err) {
      if (stream !== null && stream.status === 'open') stream.abort(err as Error);
      throw this.requestError(member, protocol, timeoutMs, signal, err);
    }
  }

  /** The one handler of a request protocol; its response must fit the protocol's limit. */
  onRequest(protocol: RequestProtocol, handler: RequestHandler): void {
    assertRequestProtocol(protocol);
    assertHandler(handler);
    if (this.requestHandlers.has(protocol)) throw new HandlerAlreadyRegisteredError(protocol);
    this.requestHandlers.set(protocol, handler);
  }

  // -------------------------------------------------------------------------------------------
  // Private messages (the records protocol)

  /**
   * Sends one private message to one member: the `header` (at most PRIVATE_HEADER_MAX_BYTES)
   * goes first and the receiver's application authorizes it; only then the `body` (at most the
   * records frame limit) is sent. Resolves when the receiver delivered it to its application.
   * Rejects with PrivateMessageRefusedError (`refusal`: unauthorized, too_large, rate_limited,
   * no_handler, handler_failed, malformed), NotConnectedError, RequestTimeoutError (default
   * timeout: limits.responseTimeoutMs), RequestAbortedError (the caller's signal),
   * RequestFailedError (stream or connection lost) or MalformedFrameError.
   */
  async sendPrivate(to: MemberId, header: Uint8Array, body: Uint8Array, options: SendPrivateOptions = {}): Promise<void> {
    return this.privateExchange.send(to, header, body, options);
  }

  /**
   * The one private handler: `authorize(from, header)` decides before the body is sent,
   * `deliver(from, header, body)` gets the authorized message. Refused messages are counted in
   * consortium_security_private_refusals_total and never reach `deliver`.
   */
  handlePrivate(handler: PrivateHandler): void {
    if (!this.privateExchange.setHandler(handler)) throw new HandlerAlreadyRegisteredError('records');
  }

  // -------------------------------------------------------------------------------------------
  // Peers

  /** Members with at least one open connection, in genesis order. */
  connectedMembers(): MemberId[] {
    return this.members.filter((member) => member.connected).map((member) => member.id);
  }

  /**
   * A member sent something invalid (found by the caller: a bad signature, a replay...).
   * Counts it, raises the member's score and, past the limit, disconnects it for a back-off.
   */
  reportInvalid(memberId: MemberId, kind: InvalidMessageKind): void {
    assertInvalidMessageKind(kind);
    const member = this.remoteMember(memberId);
    this.penalize(member, kind, null);
  }

  /** Health of every other member, in genesis order, for the topology view. */
  peerHealth(): PeerHealth[] {
    const nowMs = Date.now();
    return this.members.map((member) => member.snapshot(nowMs));
  }

  /**
   * Connects to whatever node listens at `address` (with or without /p2p/<id>) and resolves
   * with its member id. Rejects with DialRefusedError when the gater refuses the node there
   * (not a member, or in back-off) and DialFailedError for network or handshake failures.
   */
  async dial(address: string, timeoutMs: number = this.limits.dialTimeoutMs): Promise<MemberId> {
    this.requireStarted('dial');
    const target = parseAddress(address);
    assertTimeout(timeoutMs);
    let connection: Connection;
    try {
      connection = await this.libp2p.dial(target, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (isGaterRefusal(err)) throw new DialRefusedError(address, { cause: err });
      throw new DialFailedError(address, { cause: err });
    }
    const member = this.membersByPeerId.get(connection.remotePeer.toString());
    if (member === undefined) {
      // The gater admits members only, so this cannot happen; refuse it loudly if it does.
      connection.abort(new Error('connected to a non-member past the gater'));
      throw new DialRefusedError(address, { cause: null });
    }
    return member.id;
  }

  // -------------------------------------------------------------------------------------------
  // Connection events

  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail;
    const member = this.membersByPeerId.get(connection.remotePeer.toString());
    if (member === undefined) {
      this.log?.error({ peerId: connection.remotePeer.toString() }, 'connection from a non-member got past the gater: aborting it');
      connection.abort(new Error('not a member'));
      return;
    }
    member.connections.set(connection.id, connection);
    if (member.connections.size === 1) this.memberUp(member, connection.direction);
  };

  private readonly onConnectionClose = (event: CustomEvent<Connection>): void => {
    const connection = event.detail;
    const member = this.membersByPeerId.get(connection.remotePeer.toString());
    if (member === undefined || !member.connections.delete(connection.id)) return;
    if (member.connections.size === 0) this.memberDown(member, this.disconnectReason(member, connection));
  };

  private memberUp(member: MemberState, direction: 'inbound' | 'outbound'): void {
    member.clearRedial();
    member.redialBackoff.reset();
    member.consecutivePingFailures = 0;
    member.health.recordUp(Date.now(), direction);
    this.metrics?.p2p.peerConnected.set({ member: member.id }, 1);
    this.publishConnected();
    this.log?.info({ member: member.id, peerId: member.peerIdText, direction }, `connected to member ${member.id}`);
    // A first RTT right away, so the topology view does not wait a whole interval.
    this.pingMember(member);
  }

  private memberDown(member: MemberState, reason: DisconnectReason): void {
    member.pendingDownReason = null;
    member.health.recordDown(Date.now(), reason);
    member.closeChannels(new NotConnectedError(member.id));
    this.metrics?.p2p.disconnectsTotal.inc({ member: member.id, reason });
    this.metrics?.p2p.peerConnected.set({ member: member.id }, 0);
    this.publishConnected();
    this.metrics?.p2p.peerRttSeconds.remove({ member: member.id });
    const fields = { member: member.id, peerId: member.peerIdText, reason };
    if (reason === 'error' || reason === 'limit_exceeded') this.log?.warn(fields, `disconnected from member ${member.id} (${reason})`);
    else this.log?.info(fields, `disconnected from member ${member.id} (${reason})`);
    this.scheduleRedial(member);
  }

  /** Connected members and whether they make the vote quorum with this node, after each change. */
  private publishConnected(): void {
    const connected = this.connectedMembers();
    this.metrics?.p2p.connectedPeers.set(connected.length);
    this.metrics?.p2p.quorumReachable.set(this.quorum.reachable(connected) ? 1 : 0);
  }

  private disconnectReason(member: MemberState, connection: Connection): DisconnectReason {
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') return 'shutdown';
    if (member.pendingDownReason !== null) return member.pendingDownReason;
    return connection.status === 'closed' ? 'remote_closed' : 'error';
  }

  private onRefused(refusal: Refusal): void {
    this.metrics?.security.refusedPeersTotal.inc({ reason: refusal.reason });
    const member = this.membersByPeerId.get(refusal.peerId);
    const suppressed = this.logThrottle.admit(`refused:${refusal.peerId}:${refusal.reason}:${refusal.checkpoint}`, Date.now());
    if (suppressed === null) return;
    const fields = { ...refusal, member: member?.id ?? null, suppressedSinceLastLine: suppressed };
    this.onSecurityEvent?.({
      kind: 'refused_peer',
      member: member?.id ?? null,
      peerId: refusal.peerId,
      protocol: null,
      what: refusal.reason === 'not_member' ? `refused peer ${refusal.peerId}: not a member listed in genesis (${refusal.checkpoint})` : `refused member ${member?.id ?? refusal.peerId}: in back-off after exceeding its limits (${refusal.checkpoint})`,
      suppressedSinceLast: suppressed,
    });
    if (refusal.reason === 'not_member') {
      this.log?.warn(fields, `refused peer ${refusal.peerId}: not a member listed in genesis (${refusal.checkpoint})`);
    } else {
      const untilMs = member?.discipline.backoffUntil(Date.now()) ?? null;
      this.log?.warn(
        { ...fields, backoffUntil: untilMs === null ? null : new Date(untilMs).toISOString() },
        `refused member ${member?.id ?? refusal.peerId}: in back-off after exceeding its limits (${refusal.checkpoint})`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Dialling

  private dialMember(member: MemberState): void {
    if (this.lifecycle !== 'started' || member.connected) return;
    this.libp2p
      .dial(member.dialTarget(), { signal: AbortSignal.timeout(this.limits.dialTimeoutMs) })
      .then(() => undefined)
      .catch((err: unknown) => {
        this.log?.debug({ member: member.id, ...errorFields(err) }, `dial to member ${member.id} failed; retrying with back-off`);
        this.scheduleRedial(member);
      });
  }

  /**
   * Redials a member that is down: after an exponential delay with jitter, never before its
   * back-off ends. Members nobody knows an address for (configured or learned through
   * identify) are left to dial us.
   */
  private scheduleRedial(member: MemberState): void {
    if (this.lifecycle !== 'started' || member.connected || member.redialTimer !== null) return;
    const nowMs = Date.now();
    let delayMs = withJitter(member.redialBackoff.next(), Math.random);
    const backoffUntilMs = member.discipline.backoffUntil(nowMs);
    if (backoffUntilMs !== null) delayMs = Math.max(delayMs, backoffUntilMs - nowMs + REDIAL_AFTER_BACKOFF_MARGIN_MS);
    member.redialTimer = setTimeout(() => {
      member.redialTimer = null;
      void this.redialIfAddressKnown(member);
    }, delayMs);
  }

  private async redialIfAddressKnown(member: MemberState): Promise<void> {
    if (this.lifecycle !== 'started' || member.connected) return;
    if (member.addresses.length === 0) {
      const known = await this.libp2p.peerStore.get(member.peerId).then(
        (peer) => peer.addresses.length > 0,
        () => false,
      );
      if (!known) return;
    }
    this.dialMember(member);
  }

  // -------------------------------------------------------------------------------------------
  // Ping and RTT

  private onPingTick(): void {
    const nowMs = Date.now();
    for (const member of this.members) {
      // The score decays between faults; the gauge follows it here.
      this.metrics?.p2p.peerScore.set({ member: member.id }, member.discipline.scoreAt(nowMs));
      if (member.connected) this.pingMember(member);
    }
  }

  private pingMember(member: MemberState): void {
    const connection = member.openConnection();
    if (connection === null || member.pingInFlight || this.lifecycle !== 'started') return;
    member.pingInFlight = true;
    measureRtt(connection, this.limits.pingTimeoutMs, () => new PingMismatchError(member.id))
      .then((rttMs) => {
        if (connection.status !== 'open') return; // answered just as the member went down
        member.consecutivePingFailures = 0;
        member.health.recordRtt(rttMs, Date.now());
        this.metrics?.p2p.peerRttSeconds.set({ member: member.id }, rttMs / 1000);
        this.metrics?.p2p.pingRttSeconds.observe({ member: member.id }, rttMs / 1000);
      })
      .catch((err: unknown) => this.onPingFailed(member, connection, err))
      .finally(() => {
        member.pingInFlight = false;
      });
  }

  private onPingFailed(member: MemberState, connection: Connection, err: unknown): void {
    // A ping cut short by the connection closing says nothing new about the member.
    if (this.lifecycle !== 'started' || connection.status !== 'open') return;
    member.consecutivePingFailures += 1;
    const fields = { member: member.id, failures: member.consecutivePingFailures, ...errorFields(err) };
    if (member.consecutivePingFailures < this.limits.pingFailuresMax) {
      this.log?.debug(fields, `ping to member ${member.id} failed`);
      return;
    }
    this.log?.warn(fields, `member ${member.id} missed ${member.consecutivePingFailures} pings: closing its connection as dead`);
    member.consecutivePingFailures = 0;
    connection.abort(new Error(`no ping answer from ${member.id}`));
  }

  // -------------------------------------------------------------------------------------------
  // Outbound

  private enqueue(member: MemberState, protocol: MessageProtocol, payload: Uint8Array): void {
    let channel = member.channels.get(protocol);
    if (channel === undefined) {
      channel = new OutboundChannel({
        openStream: async (signal) => {
          const connection = member.openConnection();
          if (connection === null) throw new NotConnectedError(member.id);
          return connection.newStream(PROTOCOL_IDS[protocol], { signal });
        },
        budget: member.budget,
        writeTimeoutMs: this.limits.writeTimeoutMs,
        streamOpenTimeoutMs: this.limits.streamOpenTimeoutMs,
        onSent: (bytes) => this.onFrameSent(member, protocol, bytes),
        onDropped: (frames, cause, error) => this.onFramesDropped(member, protocol, frames, cause, error),
      });
      member.channels.set(protocol, channel);
    }
    channel.enqueue(payload);
  }

  private onFramesDropped(member: MemberState, protocol: ProtocolName, frames: number, cause: DropCause, error: unknown): void {
    member.health.recordDropped(protocol, frames);
    this.metrics?.p2p.droppedMessagesTotal.inc({ member: member.id, protocol, cause }, frames);
    const suppressed = this.logThrottle.admit(`dropped:${member.id}:${protocol}:${cause}`, Date.now());
    if (suppressed === null) return;
    const fields = {
      member: member.id,
      protocol,
      cause,
      frames,
      queuedFrames: member.budget.frames,
      queuedBytes: member.budget.bytes,
      suppressedSinceLastLine: suppressed,
      ...(error === null ? {} : errorFields(error)),
    };
    if (cause === 'queue_full') {
      this.log?.warn(fields, `send queue to member ${member.id} is full: dropping ${protocol} frames (the member reads too slowly)`);
    } else {
      this.log?.debug(fields, `dropped ${frames} ${protocol} frame(s) to member ${member.id} (${cause})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inbound

  /** The member behind an inbound stream, or null (stream aborted) when it must not be served. */
  private admitStream(stream: Stream, connection: Connection, protocol: ProtocolName): MemberState | null {
    const member = this.membersByPeerId.get(connection.remotePeer.toString());
    if (member === undefined) {
      this.metrics?.security.invalidMessagesTotal.inc({ kind: 'unknown_sender' });
      this.onSecurityEvent?.({ kind: 'invalid_message', member: null, peerId: connection.remotePeer.toString(), protocol, what: `a stream on ${protocol} from a non-member got past the gater: aborted`, suppressedSinceLast: 0 });
      this.log?.error({ peerId: connection.remotePeer.toString(), protocol }, 'stream from a non-member got past the gater: aborting it');
      stream.abort(new Error('not a member'));
      return null;
    }
    const backoffUntilMs = member.discipline.backoffUntil(Date.now());
    if (backoffUntilMs !== null) {
      stream.abort(new PeerLimitExceededError(member.id, backoffUntilMs - Date.now()));
      return null;
    }
    return member;
  }

  private async handleMessageStream(protocol: MessageProtocol, stream: Stream, connection: Connection): Promise<void> {
    const member = this.admitStream(stream, connection, protocol);
    if (member === null) return;
    const maxBytes = this.frames.messageMaxBytes[protocol];
    // A length prefix longer than maxBytes needs is refused as oversized (boundedLengthDecoder):
    // libp2p's reader would wait for its end forever, a byte at a time.
    const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes), lengthDecoder: boundedLengthDecoder(maxBytes) });
    try {
      // The stream lives as long as the connection: it ends with an error or EOF. No read
      // timeout on purpose: a quiet member is not a faulty one (ping checks liveness).
      while (stream.status === 'open' && !member.discipline.isInBackoff(Date.now())) {
        const frame = await lp.read();
        this.onFrameReceived(member, protocol, frame.byteLength);
        if (!member.takeRateToken(protocol, Date.now(), frame.byteLength)) {
          this.onRateExceeded(member, protocol, frame.byteLength);
          continue;
        }
        this.dispatchMessage(member, protocol, frame.subarray());
      }
    } catch (err) {
      this.onInboundStreamError(member, protocol, stream, err);
    }
  }

  private dispatchMessage(member: MemberState, protocol: MessageProtocol, payload: Uint8Array): void {
    const handler = this.messageHandlers.get(protocol);
    if (handler === undefined) {
      if (this.logThrottle.admit(`no-handler:${protocol}`, Date.now()) !== null) {
        this.log?.debug({ member: member.id, protocol }, `no handler registered for ${protocol}: frame dropped`);
      }
      return;
    }
    try {
      const result = handler(member.id, payload) as unknown;
      // A handler declared async by mistake: its rejection must not go unhandled.
      if (result instanceof Promise) result.catch((err: unknown) => this.onHandlerError(member, protocol, err));
    } catch (err) {
      this.onHandlerError(member, protocol, err);
    }
  }

  private onHandlerError(member: MemberState, protocol: ProtocolName, err: unknown): void {
    this.log?.error({ member: member.id, protocol, ...errorFields(err) }, `${protocol} handler threw on a frame from ${member.id}`);
  }

  private async handleRequestStream(protocol: RequestProtocol, stream: Stream, connection: Connection): Promise<void> {
    const member = this.admitStream(stream, connection, protocol);
    if (member === null) return;
    const maxBytes = this.frames.requestMaxBytes[protocol];
    // A length prefix longer than maxBytes needs is refused as oversized (boundedLengthDecoder):
    // libp2p's reader would wait for its end forever, a byte at a time.
    const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes), lengthDecoder: boundedLengthDecoder(maxBytes) });
    let request: Uint8Array;
    try {
      request = (await lp.read({ signal: AbortSignal.timeout(this.limits.requestReadTimeoutMs) })).subarray();
    } catch (err) {
      this.onInboundStreamError(member, protocol, stream, err);
      if (stream.status === 'open') stream.abort(err as Error);
      return;
    }
    this.onFrameReceived(member, protocol, request.byteLength);
    let outcome: HandlerOutcome;
    if (!member.takeRateToken(protocol, Date.now(), request.byteLength)) {
      this.onRateExceeded(member, protocol, request.byteLength);
      outcome = { kind: 'refused', refusal: 'rate_limited' };
    } else {
      outcome = await this.runRequestHandler(member, protocol, request, stream);
    }
    try {
      await this.respond(member, protocol, stream, lp, outcome);
    } catch (err) {
      this.log?.debug({ member: member.id, protocol, ...errorFields(err) }, `could not answer a ${protocol} request from ${member.id}`);
      if (stream.status === 'open') stream.abort(err as Error);
    }
  }

  private async runRequestHandler(member: MemberState, protocol: RequestProtocol, request: Uint8Array, stream: Stream): Promise<HandlerOutcome> {
    const handler = this.requestHandlers.get(protocol);
    if (handler === undefined) return { kind: 'refused', refusal: 'no_handler' };
    // The responder stops waiting when the requester gives up (stream closed) or after
    // responseTimeoutMs, so a handler that never answers holds nothing but its own promise.
    const run = await runWithinDeadline(stream, this.limits.responseTimeoutMs, async () => handler(member.id, request));
    return run.kind === 'done' ? { kind: 'response', payload: run.value } : run;
  }

  private async respond(
    member: MemberState,
    protocol: RequestProtocol,
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    outcome: HandlerOutcome,
  ): Promise<void> {
    if (outcome.kind === 'abandoned') return;
    if (outcome.kind === 'timed_out') {
      this.log?.warn({ member: member.id, protocol, timeoutMs: this.limits.responseTimeoutMs }, `${protocol} handler did not answer in time`);
      stream.abort(new Error(`${protocol} handler did not answer within ${this.limits.responseTimeoutMs} ms`));
      return;
    }
    const signal = AbortSignal.timeout(this.limits.writeTimeoutMs);
    const status = this.responseStatus(member, protocol, outcome);
    if (status !== RESPONSE_STATUS.ok || outcome.kind !== 'response') {
      await lp.write(Uint8Array.of(status), { signal });
      this.onFrameSent(member, protocol, 0);
    } else {
      await lp.writeV([Uint8Array.of(status), outcome.payload], { signal });
      this.onFrameSent(member, protocol, outcome.payload.byteLength);
    }
    await stream.close({ signal });
  }

  private responseStatus(member: MemberState, protocol: RequestProtocol, outcome: HandlerOutcome): number {
    if (outcome.kind === 'refused') return RESPONSE_STATUS[outcome.refusal];
    if (outcome.kind === 'failed') {
      this.onHandlerError(member, protocol, outcome.error);
      return RESPONSE_STATUS.handler_failed;
    }
    if (outcome.kind !== 'response') return RESPONSE_STATUS.handler_failed;
    if (!(outcome.payload instanceof Uint8Array)) {
      this.onHandlerError(member, protocol, new TypeError('the handler resolved with something other than a Uint8Array'));
      return RESPONSE_STATUS.handler_failed;
    }
    if (outcome.payload.byteLength > this.frames.responseMaxBytes[protocol]) {
      this.onHandlerError(
        member,
        protocol,
        new RangeError(`response of ${outcome.payload.byteLength} bytes exceeds the limit of ${this.frames.responseMaxBytes[protocol]} bytes`),
      );
      return RESPONSE_STATUS.handler_failed;
    }
    return RESPONSE_STATUS.ok;
  }

  /** null for OK; the refusal otherwise. A status frame that is not one byte of a known value is malformed. */
  private parseResponseStatus(member: MemberState, protocol: RequestProtocol, status: Uint8Array): RequestRefusal | null {
    const code = status.byteLength === 1 ? status[0] : undefined;
    if (code === RESPONSE_STATUS.ok) return null;
    const refusal = code === undefined ? undefined : REFUSAL_BY_STATUS.get(code);
    if (refusal !== undefined) return refusal;
    this.penalize(member, 'malformed', protocol);
    throw new MalformedFrameError(member.id, protocol, `response status must be one byte of 0-3, got ${status.byteLength} byte(s)`);
  }

  private requestError(member: MemberState, protocol: RequestProtocol, timeoutMs: number, signal: AbortSignal, err: unknown): Error {
    if (err instanceof RequestRefusedError || err instanceof MalformedFrameError) return err;
    if (isOversizedFrame(err)) {
      this.penalize(member, 'oversized', protocol);
      return new OversizedFrameError(member.id, protocol, this.frames.responseMaxBytes[protocol], { cause: err });
    }
    if (signal.aborted) return new RequestTimeoutError(member.id, protocol, timeoutMs);
    return new RequestFailedError(member.id, protocol, { cause: err });
  }

  /** Sorts a failed inbound read into faults of the member and ordinary ends of a stream. */
  private onInboundStreamError(member: MemberState, protocol: ProtocolName, stream: Stream, err: unknown): void {
    const name = err instanceof Error ? err.name : '';
    if (isOversizedFrame(err)) {
      this.penalize(member, 'oversized', protocol, errorFields(err));
    } else if (name === 'InvalidMessageLengthError') {
      this.penalize(member, 'malformed', protocol, errorFields(err));
    } else if (name === 'StreamBufferError') {
      // The member pushed more than two maximal frames ahead of our reading.
      this.penalize(member, 'rate_exceeded', protocol, errorFields(err));
    } else {
      // EOF, reset, connection closed, our own abort: how streams end.
      this.log?.trace({ member: member.id, protocol, ...errorFields(err) }, `${protocol} stream from ${member.id} ended`);
      return;
    }
    if (stream.status === 'open') stream.abort(err as Error);
  }

  // -------------------------------------------------------------------------------------------
  // Scoring

  /** A frame over the member's frame or byte rate: dropped, counted (frames and bytes) and scored. */
  private onRateExceeded(member: MemberState, protocol: ProtocolName, bytes: number): void {
    this.metrics?.p2p.rateLimitedMessagesTotal.inc({ member: member.id, protocol });
    this.metrics?.p2p.rateLimitedBytesTotal.inc({ member: member.id, protocol }, bytes);
    this.penalize(member, 'rate_exceeded', protocol, { bytes });
  }

  private penalize(member: MemberState, kind: InvalidMessageKind, protocol: ProtocolName | null, details: object = {}): void {
    const nowMs = Date.now();
    this.metrics?.security.invalidMessagesTotal.inc({ kind });
    const verdict = member.discipline.recordInvalid(kind, nowMs);
    this.metrics?.p2p.peerScore.set({ member: member.id }, verdict.score);
    const suppressed = this.logThrottle.admit(`invalid:${member.id}:${kind}`, nowMs);
    if (suppressed !== null) {
      this.log?.warn(
        {
          member: member.id,
          peerId: member.peerIdText,
          kind,
          protocol,
          score: verdict.score,
          scoreLimit: this.limits.scoreLimit,
          suppressedSinceLastLine: suppressed,
          ...details,
        },
        `invalid message from member ${member.id}: ${kind}${protocol === null ? '' : ` on ${protocol}`}`,
      );
      this.onSecurityEvent?.({ kind: 'invalid_message', member: member.id, peerId: member.peerIdText, protocol, what: `invalid message from member ${member.id}: ${kind}${protocol === null ? '' : ` on ${protocol}`} (score ${verdict.score} of ${this.limits.scoreLimit})`, suppressedSinceLast: suppressed });
    }
    if (verdict.limitExceeded) this.disconnectForLimit(member, kind, verdict.score);
  }

  private disconnectForLimit(member: MemberState, kind: InvalidMessageKind, score: number): void {
    const nowMs = Date.now();
    const backoffMs = member.discipline.startBackoff(nowMs);
    this.metrics?.p2p.peerScore.set({ member: member.id }, 0);
    this.log?.warn(
      {
        member: member.id,
        peerId: member.peerIdText,
        lastKind: kind,
        score,
        scoreLimit: this.limits.scoreLimit,
        backoffMs,
        backoffUntil: new Date(nowMs + backoffMs).toISOString(),
        backoffs: member.discipline.backoffs,
      },
      `member ${member.id} exceeded its limits (score ${score.toFixed(1)} >= ${this.limits.scoreLimit}, last fault ${kind}): disconnected for ${backoffMs} ms`,
    );
    member.clearRedial();
    const reason = new PeerLimitExceededError(member.id, backoffMs);
    member.closeChannels(reason);
    if (!member.connected) {
      this.scheduleRedial(member);
      return;
    }
    member.pendingDownReason = 'limit_exceeded';
    for (const connection of [...member.connections.values()]) connection.abort(reason);
  }

  // -------------------------------------------------------------------------------------------
  // Accounting and helpers

  private onFrameSent(member: MemberState, protocol: ProtocolName, payloadBytes: number): void {
    member.health.recordSent(protocol, payloadBytes);
    this.metrics?.p2p.sentBytesTotal.inc({ member: member.id, protocol }, payloadBytes);
    this.metrics?.p2p.sentMessagesTotal.inc({ member: member.id, protocol });
  }

  private onFrameReceived(member: MemberState, protocol: ProtocolName, payloadBytes: number): void {
    member.health.recordReceived(protocol, payloadBytes);
    this.metrics?.p2p.receivedBytesTotal.inc({ member: member.id, protocol }, payloadBytes);
    this.metrics?.p2p.receivedMessagesTotal.inc({ member: member.id, protocol });
  }

  private remoteMember(memberId: MemberId): MemberState {
    const member = this.membersById.get(memberId);
    if (member !== undefined) return member;
    if (memberId === this.memberId) throw new SelfAddressedError(memberId);
    throw new UnknownMemberError(String(memberId));
  }

  private requireStarted(operation: string): void {
    if (this.lifecycle === 'started') return;
    if (this.lifecycle === 'created') throw new NodeNotStartedError(operation);
    throw new NodeStoppedError(operation);
  }

  private closeQuietly(stream: Stream): void {
    stream.close({ signal: AbortSignal.timeout(this.limits.writeTimeoutMs) }).catch((err: unknown) => {
      if (stream.status === 'open') stream.abort(err as Error);
    });
  }
}

function isGaterRefusal(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isGaterRefusal);
  return err instanceof Error && (err.name === 'DialDeniedError' || err.name === 'ConnectionInterceptedError');
}
