import type { MemberId } from '../genesis/types.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel, Transport } from '../transport.js';
import {
  NotConnectedError,
  OversizedFrameError,
  OversizedPayloadError,
  RequestFailedError,
  RequestRefusedError,
  RequestTimeoutError,
  type RequestRefusal,
} from './errors.js';
import { SimPeerDiscipline } from './peer-discipline.js';
import type { SimRandom } from './random.js';
import type { Scheduler } from './scheduler.js';
import type { SimTransportLimits } from './transport-limits.js';

/** Network faults; probabilities are per message and per recipient. */
export interface NetworkFaults {
  lossProbability: number;
  duplicateProbability: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const CALM_NETWORK: NetworkFaults = { lossProbability: 0, duplicateProbability: 0, minDelayMs: 1, maxDelayMs: 10 };

/** Links touching a well-connected member (an attacker next to everyone) take 1 to this many ms. */
const FAST_LINK_MAX_DELAY_MS = 3;
/** Penalties kept for the report and the invariants; counters keep counting past it. */
const MAX_PENALTIES_KEPT = 10_000;

type MessageHandler = (from: MemberId, payload: Uint8Array) => void;
type RequestHandler = (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>;

/** A member's transport scored another: the invariants look for honest members scoring honest ones. */
export interface PenaltyRecord {
  readonly atMs: number;
  readonly observer: MemberId;
  readonly subject: MemberId;
  readonly kind: InvalidMessageKind;
  readonly channel: MessageChannel | RequestChannel | null;
  readonly reason: string;
  /** Set when this penalty disconnected the pair. */
  readonly disconnectedForMs: number | null;
}

/** What a Byzantine member's transport does besides what its honest code asks. */
export interface ByzantineHooks {
  /** Rewrites what the honest code sends into what is really sent to `to` (possibly nothing). */
  rewrite?(to: MemberId, channel: MessageChannel, payload: Uint8Array): readonly Uint8Array[];
  /** Sees every frame delivered to the member, before its honest code does. */
  received?(from: MemberId, channel: MessageChannel, payload: Uint8Array): void;
  /** Replaces the honest request handler. */
  serve?(channel: RequestChannel, from: MemberId, payload: Uint8Array, honest: RequestHandler): Promise<Uint8Array>;
}

type RequestOutcome = { readonly kind: 'response'; readonly payload: Uint8Array } | { readonly kind: 'refused'; readonly refusal: RequestRefusal } | { readonly kind: 'failed'; readonly reason: string };

/**
 * A simulated network between members: every frame is delivered after a random delay (so
 * frames reorder), or lost, or delivered twice; links can be cut by partitions; frames to a
 * crashed node vanish. Each node incarnation gets its own SimTransport endpoint.
 *
 * It enforces what libs/p2p's transport enforces: a sender's own transport refuses a payload
 * above the protocol's frame cap (OversizedPayloadError, thrown to the caller); a receiver drops
 * a frame above the cap or over its sender's rate, and scores the sender; a member reported
 * invalid by consensus is scored; at the score limit the pair is disconnected for a back-off.
 */
export class SimNetwork {
  faults: NetworkFaults = { ...CALM_NETWORK };
  private readonly endpoints = new Map<MemberId, SimTransport>();
  /** Unordered pairs "a|b" whose link is cut. */
  private readonly cutLinks = new Set<string>();
  private readonly discipline: SimPeerDiscipline;
  /** Members cut off from everyone until a time (a long partition that chaos does not heal). */
  private readonly isolatedUntilMs = new Map<MemberId, number>();
  /** Members whose every link is fast (the well-connected attacker of the tampering scenarios). */
  readonly fastMembers = new Set<MemberId>();
  delivered = 0;
  dropped = 0;
  /** Frames receivers refused for size, and frames dropped over the sender's rate. */
  oversizedFrames = 0;
  rateLimitedFrames = 0;
  /** Exceptions message handlers threw (libs/p2p logs them and carries on). */
  handlerErrors = 0;
  disconnections = 0;
  readonly penalties: PenaltyRecord[] = [];
  penaltyCount = 0;
  readonly invalidReports: { from: MemberId; by: MemberId; kind: InvalidMessageKind }[] = [];
  /** Called for every frame a node sends, before faults: the simulator audits signatures. */
  onSend: ((from: MemberId, channel: MessageChannel, payload: Uint8Array) => void) | null = null;
  onPenalty: ((penalty: PenaltyRecord) => void) | null = null;
  /** An honest transport refused to send a frame above its protocol's cap (the driver made a frame nobody carries). */
  onOversizedSend: ((member: MemberId, channel: MessageChannel | RequestChannel, what: string, sizeBytes: number, capBytes: number) => void) | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: SimRandom,
    readonly members: readonly MemberId[],
    readonly limits: SimTransportLimits,
  ) {
    this.discipline = new SimPeerDiscipline(limits.policy);
  }

  attach(member: MemberId): SimTransport {
    const transport = new SimTransport(this, member);
    this.endpoints.set(member, transport);
    // A new process: its transport remembers nothing of anyone.
    this.discipline.forget(member);
    return transport;
  }

  detach(member: MemberId): void {
    const endpoint = this.endpoints.get(member);
    if (endpoint !== undefined) endpoint.alive = false;
    this.endpoints.delete(member);
  }

  isUp(member: MemberId): boolean {
    return this.endpoints.get(member)?.alive === true;
  }

  cut(a: MemberId, b: MemberId): void {
    this.cutLinks.add(linkKey(a, b));
  }

  healAll(): void {
    this.cutLinks.clear();
  }

  isolate(member: MemberId, untilMs: number): void {
    this.isolatedUntilMs.set(member, untilMs);
  }

  /** Neither cut by a partition nor disconnected by either side's transport. */
  linked(a: MemberId, b: MemberId): boolean {
    const nowMs = this.scheduler.nowMs;
    if ((this.isolatedUntilMs.get(a) ?? 0) > nowMs || (this.isolatedUntilMs.get(b) ?? 0) > nowMs) return false;
    return !this.cutLinks.has(linkKey(a, b)) && this.discipline.disconnectedUntilMs(a, b) <= nowMs;
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  private delayMs(from: MemberId, to: MemberId): number {
    if (this.fastMembers.has(from) || this.fastMembers.has(to)) return this.random.int(1, FAST_LINK_MAX_DELAY_MS);
    return this.random.int(this.faults.minDelayMs, this.faults.maxDelayMs);
  }

  /** `observer`'s transport scores `subject` for one fault; at the limit the pair is disconnected. */
  penalise(observer: MemberId, subject: MemberId, kind: InvalidMessageKind, channel: MessageChannel | RequestChannel | null, reason: string): void {
    const { disconnectedForMs } = this.discipline.penalise(observer, subject, kind, this.scheduler.nowMs);
    if (disconnectedForMs !== null) this.disconnections += 1;
    const record: PenaltyRecord = { atMs: this.scheduler.nowMs, observer, subject, kind, channel, reason, disconnectedForMs };
    this.penaltyCount += 1;
    if (this.penalties.length < MAX_PENALTIES_KEPT) this.penalties.push(record);
    this.onPenalty?.(record);
  }

  /** A frame on a message channel, subject to faults, then to the receiver's checks. */
  transmitMessage(from: MemberId, to: MemberId, channel: MessageChannel, frame: Uint8Array): void {
    if (this.random.chance(this.faults.lossProbability) || !this.linked(from, to)) {
      this.dropped += 1;
      return;
    }
    const copies = this.random.chance(this.faults.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.scheduler.schedule(this.delayMs(from, to), () => {
        const endpoint = this.arrivingAt(from, to);
        if (endpoint !== null) this.receiveMessage(endpoint, from, channel, frame);
      });
    }
  }

  /** `to`'s live endpoint when a frame from `from` can arrive now (the link decides at arrival too). */
  private arrivingAt(from: MemberId, to: MemberId): SimTransport | null {
    const endpoint = this.endpoints.get(to);
    if (endpoint === undefined || !endpoint.alive || !this.linked(from, to)) {
      this.dropped += 1;
      return null;
    }
    return endpoint;
  }

  private rateText(channel: MessageChannel | RequestChannel): string {
    const rate = this.limits.policy.messageRates[channel];
    return `${rate.framesPerSecond} frames or ${rate.bytesPerSecond} bytes per second`;
  }

  private receiveMessage(endpoint: SimTransport, from: MemberId, channel: MessageChannel, frame: Uint8Array): void {
    const to = endpoint.member;
    const capBytes = this.limits.caps.message[channel];
    if (frame.byteLength > capBytes) {
      this.oversizedFrames += 1;
      this.penalise(to, from, 'oversized', channel, `${channel} frame of ${frame.byteLength} bytes, cap ${capBytes}`);
      return;
    }
    if (!this.discipline.takeToken(to, from, channel, this.scheduler.nowMs, frame.byteLength)) {
      this.rateLimitedFrames += 1;
      this.penalise(to, from, 'rate_exceeded', channel, `${channel} frames over ${this.rateText(channel)}`);
      return;
    }
    this.delivered += 1;
    endpoint.deliver(from, channel, frame);
  }

  /** One request and its answer, each way subject to faults and to the other side's checks. */
  transmitRequest(from: MemberId, to: MemberId, channel: RequestChannel, payload: Uint8Array, answer: (outcome: RequestOutcome) => void): void {
    if (this.random.chance(this.faults.lossProbability) || !this.linked(from, to)) {
      this.dropped += 1;
      return;
    }
    this.scheduler.schedule(this.delayMs(from, to), () => {
      const endpoint = this.arrivingAt(from, to);
      if (endpoint === null) return;
      const reply = (outcome: RequestOutcome) => this.transmitAnswer(to, from, outcome, answer);
      const capBytes = this.limits.caps.request[channel];
      if (payload.byteLength > capBytes) {
        this.oversizedFrames += 1;
        this.penalise(to, from, 'oversized', channel, `${channel} request of ${payload.byteLength} bytes, cap ${capBytes}`);
        reply({ kind: 'failed', reason: 'stream reset by the responder' });
        return;
      }
      if (!this.discipline.takeToken(to, from, channel, this.scheduler.nowMs, payload.byteLength)) {
        this.rateLimitedFrames += 1;
        this.penalise(to, from, 'rate_exceeded', channel, `${channel} requests over ${this.rateText(channel)}`);
        reply({ kind: 'refused', refusal: 'rate_limited' });
        return;
      }
      this.delivered += 1;
      endpoint.serve(from, channel, payload).then(reply, () => reply({ kind: 'refused', refusal: 'handler_failed' }));
    });
  }

  private transmitAnswer(responder: MemberId, requester: MemberId, outcome: RequestOutcome, answer: (outcome: RequestOutcome) => void): void {
    if (this.random.chance(this.faults.lossProbability) || !this.linked(responder, requester)) {
      this.dropped += 1;
      return;
    }
    this.scheduler.schedule(this.delayMs(responder, requester), () => {
      if (this.arrivingAt(responder, requester) !== null) answer(outcome);
    });
  }

  endpointsExcept(member: MemberId): MemberId[] {
    return this.members.filter((other) => other !== member);
  }

  schedule(delayMs: number, run: () => void): void {
    this.scheduler.schedule(delayMs, run);
  }
}

function linkKey(a: MemberId, b: MemberId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** One node incarnation's view of the simulated network; implements the consensus Transport. */
export class SimTransport implements Transport {
  alive = true;
  private readonly messageHandlers = new Map<MessageChannel, MessageHandler>();
  private readonly requestHandlers = new Map<RequestChannel, RequestHandler>();
  /** Set on a Byzantine member's endpoint. */
  byzantine: ByzantineHooks | null = null;
  /**
   * Asked before each recipient of a broadcast after the first: true means the process died
   * there (a crash in the middle of a broadcast), and nothing more is sent.
   */
  crashesMidBroadcast: (() => boolean) | null = null;

  constructor(
    private readonly network: SimNetwork,
    readonly member: MemberId,
  ) {}

  private assertFits(channel: MessageChannel, payload: Uint8Array): void {
    const capBytes = this.network.limits.caps.message[channel];
    if (payload.byteLength <= capBytes) return;
    this.network.onOversizedSend?.(this.member, channel, 'message', payload.byteLength, capBytes);
    throw new OversizedPayloadError(channel, payload.byteLength, capBytes);
  }

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    if (!this.alive) return;
    this.assertFits(channel, payload);
    let sent = 0;
    for (const to of this.network.endpointsExcept(this.member)) {
      if (sent > 0 && this.crashesMidBroadcast?.() === true) return;
      this.sendFrame(to, channel, payload);
      sent += 1;
    }
  }

  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): void {
    if (!this.alive) return;
    this.assertFits(channel, payload);
    this.sendFrame(to, channel, payload);
  }

  private sendFrame(to: MemberId, channel: MessageChannel, payload: Uint8Array): void {
    const frames = this.byzantine?.rewrite === undefined ? [payload] : this.byzantine.rewrite(to, channel, payload);
    for (const frame of frames) {
      this.network.onSend?.(this.member, channel, frame);
      this.network.transmitMessage(this.member, to, channel, frame);
    }
  }

  /** A frame written by a Byzantine member's own code: no cap of its own transport applies. */
  sendRaw(to: MemberId, channel: MessageChannel, frame: Uint8Array): void {
    if (!this.alive) return;
    this.network.onSend?.(this.member, channel, frame);
    this.network.transmitMessage(this.member, to, channel, frame);
  }

  /** Called by the network for a frame that passed the receiver's checks. */
  deliver(from: MemberId, channel: MessageChannel, frame: Uint8Array): void {
    this.byzantine?.received?.(from, channel, frame);
    const handler = this.messageHandlers.get(channel);
    if (handler === undefined) return;
    try {
      handler(from, frame);
    } catch {
      // libs/p2p logs a throwing handler and carries on with the next frame.
      this.network.handlerErrors += 1;
    }
  }

  /** Called by the network for a request that passed the responder's checks. */
  async serve(from: MemberId, channel: RequestChannel, payload: Uint8Array): Promise<RequestOutcome> {
    const handler = this.requestHandlers.get(channel);
    if (handler === undefined) return { kind: 'refused', refusal: 'no_handler' };
    const response = await (this.byzantine?.serve === undefined ? handler(from, payload) : this.byzantine.serve(channel, from, payload, handler));
    // An honest transport refuses to send what the requester's cap would refuse; a Byzantine one writes it anyway.
    const capBytes = this.network.limits.caps.response[channel];
    if (this.byzantine === null && response.byteLength > capBytes) {
      this.network.onOversizedSend?.(this.member, channel, 'response', response.byteLength, capBytes);
      return { kind: 'refused', refusal: 'handler_failed' };
    }
    return { kind: 'response', payload: response };
  }

  request(to: MemberId, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const capBytes = this.network.limits.caps.request[channel];
    if (payload.byteLength > capBytes) {
      this.network.onOversizedSend?.(this.member, channel, 'request', payload.byteLength, capBytes);
      return Promise.reject(new OversizedPayloadError(channel, payload.byteLength, capBytes));
    }
    if (!this.network.isUp(to) || !this.network.linked(this.member, to)) return Promise.reject(new NotConnectedError(to));
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const settle = (result: () => void) => {
        // A dead incarnation's promises never settle: nothing of it may run again.
        if (settled || !this.alive) return;
        settled = true;
        result();
      };
      this.network.schedule(timeoutMs, () => settle(() => reject(new RequestTimeoutError(to, channel, timeoutMs))));
      this.network.transmitRequest(this.member, to, channel, payload, (outcome) => {
        if (outcome.kind === 'refused') {
          settle(() => reject(new RequestRefusedError(to, channel, outcome.refusal)));
        } else if (outcome.kind === 'failed') {
          settle(() => reject(new RequestFailedError(to, channel, outcome.reason)));
        } else if (outcome.payload.byteLength > this.network.limits.caps.response[channel]) {
          if (settled || !this.alive) return;
          this.network.oversizedFrames += 1;
          this.network.penalise(this.member, to, 'oversized', channel, `${channel} response of ${outcome.payload.byteLength} bytes`);
          settle(() => reject(new OversizedFrameError(to, channel, this.network.limits.caps.response[channel])));
        } else {
          settle(() => resolve(outcome.payload));
        }
      });
    });
  }

  onMessage(channel: MessageChannel, handler: MessageHandler): void {
    this.messageHandlers.set(channel, handler);
  }

  onRequest(channel: RequestChannel, handler: RequestHandler): void {
    this.requestHandlers.set(channel, handler);
  }

  connectedMembers(): readonly MemberId[] {
    return this.network.endpointsExcept(this.member).filter((other) => this.network.isUp(other) && this.network.linked(this.member, other));
  }

  reportInvalid(from: MemberId, kind: InvalidMessageKind): void {
    if (!this.alive) return;
    this.network.invalidReports.push({ from, by: this.member, kind });
    this.network.penalise(this.member, from, kind, null, 'reported by consensus');
  }
}
