/**
 * Checking and completing what P2PNode.create is given: limit overrides merged over the
 * defaults, and the member list turned into the directory the gater and the node use. Bad
 * input is refused with every problem listed at once, before anything starts.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import {
  DEFAULT_FRAME_LIMITS,
  DEFAULT_LIMITS,
  MESSAGE_PROTOCOLS,
  P2P_FRAME_CEILING_BYTES,
  PRIVATE_HEADER_MAX_BYTES,
  PRIVATE_OFFER_PREFIX_BYTES,
  PRIVATE_PROTOCOLS,
  PROTOCOL_NAMES,
  REQUEST_PROTOCOLS,
  type FrameLimits,
  type MessageProtocol,
  type P2PLimits,
  type PrivateProtocol,
  type ProtocolName,
  type RateLimit,
  type RequestProtocol,
} from './constants.js';
import { InvalidAddressError, InvalidLimitsError, InvalidMemberListError } from './errors.js';
import { INVALID_MESSAGE_KINDS, type InvalidMessageKind, type MemberEntry, type MemberId } from './types.js';

/** Overrides of DEFAULT_LIMITS; rates merge per protocol and per field, weights per kind. */
export type P2PLimitsOverrides = Partial<Omit<P2PLimits, 'messageRates' | 'scoreWeights'>> & {
  readonly messageRates?: Partial<Record<ProtocolName, Partial<RateLimit>>>;
  readonly scoreWeights?: Partial<Record<InvalidMessageKind, number>>;
};

/** Overrides of DEFAULT_FRAME_LIMITS, per protocol. */
export interface FrameLimitsOverrides {
  readonly messageMaxBytes?: Partial<Record<MessageProtocol | PrivateProtocol, number>>;
  readonly requestMaxBytes?: Partial<Record<RequestProtocol, number>>;
  readonly responseMaxBytes?: Partial<Record<RequestProtocol, number>>;
}

type ScalarLimit = Exclude<keyof P2PLimits, 'messageRates' | 'scoreWeights'>;

/** Limits that count things must be whole numbers. */
const INTEGER_LIMITS = new Set<ScalarLimit>(['sendQueueMaxFrames', 'pingFailuresMax', 'healthEventsMax', 'inboundConnectionsPerHostPerSecond']);

const isPositive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** DEFAULT_LIMITS with `overrides` applied; throws InvalidLimitsError listing every bad value. */
export function resolveLimits(overrides: P2PLimitsOverrides = {}): P2PLimits {
  const problems: string[] = [];
  const { messageRates = {}, scoreWeights = {}, ...scalars } = overrides;
  for (const [name, value] of Object.entries(scalars) as [string, unknown][]) {
    if (!(name in DEFAULT_LIMITS)) problems.push(`${name} is not a limit`);
    else if (!isPositive(value)) problems.push(`${name} must be a positive finite number, got ${String(value)}`);
    else if (INTEGER_LIMITS.has(name as ScalarLimit) && !Number.isInteger(value)) problems.push(`${name} must be an integer, got ${value}`);
  }
  const rates: Record<string, RateLimit> = { ...DEFAULT_LIMITS.messageRates };
  for (const [protocol, override] of Object.entries(messageRates) as [string, Partial<RateLimit> | undefined][]) {
    if (!(PROTOCOL_NAMES as readonly string[]).includes(protocol)) {
      problems.push(`messageRates.${protocol}: not a protocol`);
      continue;
    }
    const rate = { ...DEFAULT_LIMITS.messageRates[protocol as ProtocolName], ...override };
    if (!isPositive(rate.perSecond) || !isPositive(rate.burst) || rate.burst < 1) problems.push(`messageRates.${protocol} needs perSecond > 0 and burst >= 1`);
    else if (!isPositive(rate.bytesPerSecond) || !isPositive(rate.burstBytes)) problems.push(`messageRates.${protocol} needs bytesPerSecond > 0 and burstBytes > 0`);
    else rates[protocol] = rate;
  }
  for (const [kind, weight] of Object.entries(scoreWeights) as [string, unknown][]) {
    if (!(INVALID_MESSAGE_KINDS as readonly string[]).includes(kind)) problems.push(`scoreWeights.${kind}: not an invalid-message kind`);
    else if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) problems.push(`scoreWeights.${kind} must be a finite number >= 0`);
  }
  const limits: P2PLimits = {
    ...DEFAULT_LIMITS,
    ...scalars,
    messageRates: rates as Record<ProtocolName, RateLimit>,
    scoreWeights: { ...DEFAULT_LIMITS.scoreWeights, ...scoreWeights },
  };
  if (problems.length === 0) {
    if (limits.backoffMaxMs < limits.backoffBaseMs) problems.push('backoffMaxMs must be >= backoffBaseMs');
    if (limits.redialMaxMs < limits.redialBaseMs) problems.push('redialMaxMs must be >= redialBaseMs');
  }
  if (problems.length > 0) throw new InvalidLimitsError(problems);
  return limits;
}

/**
 * How many inbound connections may be upgrading (Noise, then Yamux) at once. libp2p's default,
 * 10 with a 10 s upgrade timeout, let one non-member host hold every slot with ten silent TCP
 * connections: no member could connect in until they timed out, and the host could start again
 * (T17 in docs/security.md). One host opens at most `inboundConnectionsPerHostPerSecond` per
 * one-second window, and P2PNode gives each upgrade `dialTimeoutMs`; so the slots cover every
 * window such an upgrade can span, plus one per remote member. Several flooding hosts together
 * can still fill them: that is a firewall's job (docs/security.md, "Volume floods").
 */
export function inboundUpgradingConnectionsMax(limits: Pick<P2PLimits, 'inboundConnectionsPerHostPerSecond' | 'dialTimeoutMs'>, remoteMembers: number): number {
  const windows = Math.ceil(limits.dialTimeoutMs / 1_000) + 1;
  return limits.inboundConnectionsPerHostPerSecond * windows + remoteMembers;
}

/**
 * DEFAULT_FRAME_LIMITS with `overrides` applied, checked: whole positive numbers of bytes, at
 * most P2P_FRAME_CEILING_BYTES; and, with the rates, a byte burst that lets the protocol's
 * largest frame through. Throws InvalidLimitsError listing every problem.
 */
export function resolveFrameLimits(overrides: FrameLimitsOverrides = {}, rates: P2PLimits['messageRates'] = DEFAULT_LIMITS.messageRates): FrameLimits {
  const problems: string[] = [];
  const pick = <P extends string>(group: keyof FrameLimits, names: readonly P[], given: Partial<Record<P, number>> | undefined, defaults: Readonly<Record<P, number>>) => {
    const resolved: Record<P, number> = { ...defaults };
    for (const [name, value] of Object.entries<unknown>(given ?? {})) {
      if (!(names as readonly string[]).includes(name)) problems.push(`frameLimits.${group}.${name}: not a protocol of this kind`);
      else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > P2P_FRAME_CEILING_BYTES) {
        problems.push(`frameLimits.${group}.${name} must be a whole number of bytes from 1 to ${P2P_FRAME_CEILING_BYTES}, got ${String(value)}`);
      } else resolved[name as P] = value;
    }
    return resolved;
  };
  const messageProtocols = [...MESSAGE_PROTOCOLS, ...PRIVATE_PROTOCOLS];
  const frames: FrameLimits = {
    messageMaxBytes: pick('messageMaxBytes', messageProtocols, overrides.messageMaxBytes, DEFAULT_FRAME_LIMITS.messageMaxBytes),
    requestMaxBytes: pick('requestMaxBytes', REQUEST_PROTOCOLS, overrides.requestMaxBytes, DEFAULT_FRAME_LIMITS.requestMaxBytes),
    responseMaxBytes: pick('responseMaxBytes', REQUEST_PROTOCOLS, overrides.responseMaxBytes, DEFAULT_FRAME_LIMITS.responseMaxBytes),
  };
  // A private message takes its rate tokens once, for its offer and its body together.
  const isPrivate = (protocol: string) => (PRIVATE_PROTOCOLS as readonly string[]).includes(protocol);
  for (const protocol of messageProtocols) {
    const unitBytes = frames.messageMaxBytes[protocol] + (isPrivate(protocol) ? PRIVATE_OFFER_PREFIX_BYTES + PRIVATE_HEADER_MAX_BYTES : 0);
    if (rates[protocol].burstBytes < unitBytes) {
      const what = isPrivate(protocol) ? `largest message (body and offer) ${unitBytes}` : `frame limit ${unitBytes}`;
      problems.push(`messageRates.${protocol}.burstBytes ${rates[protocol].burstBytes} is below the ${protocol} ${what}: its largest frame could never pass`);
    }
  }
  for (const protocol of REQUEST_PROTOCOLS) {
    if (rates[protocol].burstBytes < frames.requestMaxBytes[protocol]) {
      problems.push(`messageRates.${protocol}.burstBytes ${rates[protocol].burstBytes} is below the ${protocol} request limit ${frames.requestMaxBytes[protocol]}`);
    }
  }
  if (problems.length > 0) throw new InvalidLimitsError(problems);
  return frames;
}

/** A member other than this node: what the gater admits and the node dials. */
export interface RemoteMember {
  readonly id: MemberId;
  readonly peerId: PeerId;
  /** Dialable addresses without the /p2p/ part (the peer id is dialled separately). */
  readonly addresses: readonly Multiaddr[];
  readonly votingPower: number;
}

export interface MemberDirectory {
  readonly self: MemberId;
  readonly selfVotingPower: number;
  readonly remotes: readonly RemoteMember[];
}

/**
 * Checks the member list against this node's identity: ids and peer ids unique and well
 * formed, addresses parseable and (when they name a peer) naming the right one, and this
 * node listed under its own peer id.
 */
export function buildMemberDirectory(members: readonly MemberEntry[], selfId: MemberId, selfPeerId: string): MemberDirectory {
  if (!Array.isArray(members) || members.length === 0) throw new InvalidMemberListError(['members must be a non-empty array']);
  const problems: string[] = [];
  const ids = new Set<string>();
  const peerIds = new Set<string>();
  const remotes: RemoteMember[] = [];
  let selfListed = false;
  let selfVotingPower = 1;
  for (const [index, entry] of (members as readonly unknown[]).entries()) {
    // Genesis is parsed JSON: an entry may be anything until checked.
    const member = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<MemberEntry>;
    const where = `members[${index}]${typeof member.id === 'string' && member.id !== '' ? ` (${member.id})` : ''}`;
    if (typeof member.id !== 'string' || member.id.trim() === '') {
      problems.push(`${where}: id must be a non-empty string`);
      continue;
    }
    if (ids.has(member.id)) problems.push(`${where}: duplicate member id`);
    ids.add(member.id);
    const peerId = parsePeerId(member.peerId);
    if (peerId === null) {
      problems.push(`${where}: peerId ${JSON.stringify(member.peerId)} is not a libp2p peer id`);
      continue;
    }
    if (peerIds.has(peerId.toString())) problems.push(`${where}: peer id ${peerId.toString()} is listed twice`);
    peerIds.add(peerId.toString());
    const addresses = parseMemberAddresses(member, peerId, where, problems);
    const votingPower = member.votingPower ?? 1;
    if (!Number.isSafeInteger(votingPower) || votingPower < 1) problems.push(`${where}: votingPower ${JSON.stringify(member.votingPower)} is not a positive integer`);
    if (member.id === selfId) {
      selfListed = true;
      selfVotingPower = votingPower;
      if (peerId.toString() !== selfPeerId) {
        problems.push(`${where}: this node's entry lists peer id ${peerId.toString()} but its private key is peer id ${selfPeerId}`);
      }
    } else {
      remotes.push({ id: member.id, peerId, addresses, votingPower });
    }
  }
  if (!selfListed) problems.push(`this node's member id ${JSON.stringify(selfId)} is not in the member list`);
  if (problems.length > 0) throw new InvalidMemberListError(problems);
  return { self: selfId, selfVotingPower, remotes };
}

function parsePeerId(value: unknown): PeerId | null {
  if (typeof value !== 'string') return null;
  try {
    return peerIdFromString(value);
  } catch {
    return null;
  }
}

function parseMemberAddresses(member: Partial<MemberEntry>, peerId: PeerId, where: string, problems: string[]): Multiaddr[] {
  if (member.addresses === undefined) return [];
  if (!Array.isArray(member.addresses)) {
    problems.push(`${where}: addresses must be an array of multiaddr strings`);
    return [];
  }
  const addresses: Multiaddr[] = [];
  for (const address of member.addresses as unknown[]) {
    try {
      const parsed = parseAddress(address);
      const named = parsed.getComponents().find((component) => component.code === CODE_P2P)?.value;
      if (named !== undefined && named !== peerId.toString()) {
        problems.push(`${where}: address ${String(address)} names peer ${named}, not the member's ${peerId.toString()}`);
        continue;
      }
      addresses.push(parsed.decapsulateCode(CODE_P2P));
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  }
  return addresses;
}

/** Parses a multiaddr string; throws InvalidAddressError. */
export function parseAddress(address: unknown): Multiaddr {
  if (typeof address !== 'string' || address === '') throw new InvalidAddressError(String(address), 'expected a multiaddr string');
  try {
    return multiaddr(address);
  } catch (err) {
    throw new InvalidAddressError(address, (err as Error).message);
  }
}
