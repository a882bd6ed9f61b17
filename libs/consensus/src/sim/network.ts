import type { MemberId } from '../genesis/types.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel, Transport } from '../transport.js';
import type { SimRandom } from './random.js';
import type { Scheduler } from './scheduler.js';

/** Network faults; probabilities are per message and per recipient. */
export interface NetworkFaults {
  lossProbability: number;
  duplicateProbability: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const CALM_NETWORK: NetworkFaults = { lossProbability: 0, duplicateProbability: 0, minDelayMs: 1, maxDelayMs: 10 };

type MessageHandler = (from: MemberId, payload: Uint8Array) => void;
type RequestHandler = (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>;

/**
 * A simulated network between members: every message is delivered after a random delay (so
 * messages reorder), or lost, or delivered twice; links can be cut by partitions; messages to a
 * crashed node vanish. Each node incarnation gets its own SimTransport endpoint.
 */
export class SimNetwork {
  faults: NetworkFaults = { ...CALM_NETWORK };
  private readonly endpoints = new Map<MemberId, SimTransport>();
  /** Unordered pairs "a|b" whose link is cut. */
  private readonly cutLinks = new Set<string>();
  delivered = 0;
  dropped = 0;
  readonly invalidReports: { from: MemberId; by: MemberId; kind: InvalidMessageKind }[] = [];
  /** Called for every consensus payload a node sends, before faults: the simulator audits signatures. */
  onSend: ((from: MemberId, channel: MessageChannel, payload: Uint8Array) => void) | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: SimRandom,
    readonly members: readonly MemberId[],
  ) {}

  attach(member: MemberId): SimTransport {
    const transport = new SimTransport(this, member);
    this.endpoints.set(member, transport);
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

  linked(a: MemberId, b: MemberId): boolean {
    return !this.cutLinks.has(linkKey(a, b));
  }

  private delayMs(): number {
    return this.random.int(this.faults.minDelayMs, this.faults.maxDelayMs);
  }

  /** Delivers `deliver` to `to`'s current incarnation, subject to faults. */
  transmit(from: MemberId, to: MemberId, deliver: (endpoint: SimTransport) => void, allowDuplicate = true): void {
    if (this.random.chance(this.faults.lossProbability) || !this.linked(from, to)) {
      this.dropped += 1;
      return;
    }
    const copies = allowDuplicate && this.random.chance(this.faults.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.scheduler.schedule(this.delayMs(), () => {
        const endpoint = this.endpoints.get(to);
        // Sent before a partition or a crash, arriving after: the link decides at arrival too.
        if (endpoint === undefined || !endpoint.alive || !this.linked(from, to)) {
          this.dropped += 1;
          return;
        }
        this.delivered += 1;
        deliver(endpoint);
      });
    }
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

let requestIds = 0;

/** One node incarnation's view of the simulated network; implements the consensus Transport. */
export class SimTransport implements Transport {
  alive = true;
  private readonly messageHandlers = new Map<MessageChannel, MessageHandler>();
  private readonly requestHandlers = new Map<RequestChannel, RequestHandler>();
  /** Rewrites a payload per recipient into what is really sent (the Byzantine node's equivocation). */
  outgoing: ((to: MemberId, channel: MessageChannel, payload: Uint8Array) => readonly Uint8Array[]) | null = null;

  constructor(
    private readonly network: SimNetwork,
    readonly member: MemberId,
  ) {}

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    for (const to of this.network.endpointsExcept(this.member)) this.send(to, channel, payload);
  }

  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): void {
    if (!this.alive) return;
    const from = this.member;
    for (const sent of this.outgoing === null ? [payload] : this.outgoing(to, channel, payload)) {
      this.network.onSend?.(from, channel, sent);
      this.network.transmit(from, to, (endpoint) => endpoint.messageHandlers.get(channel)?.(from, sent));
    }
  }

  request(to: MemberId, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const from = this.member;
    const id = ++requestIds;
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const settle = (result: () => void) => {
        if (settled || !this.alive) return;
        settled = true;
        result();
      };
      this.network.schedule(timeoutMs, () => settle(() => reject(new Error(`request ${id} to ${to} timed out after ${timeoutMs} ms`))));
      this.network.transmit(
        from,
        to,
        (endpoint) => {
          const handler = endpoint.requestHandlers.get(channel);
          if (handler === undefined) return;
          handler(from, payload).then(
            (response) => this.network.transmit(to, from, () => settle(() => resolve(response)), false),
            (error: unknown) => this.network.transmit(to, from, () => settle(() => reject(error instanceof Error ? error : new Error(String(error)))), false),
          );
        },
        false,
      );
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
    this.network.invalidReports.push({ from, by: this.member, kind });
  }
}
