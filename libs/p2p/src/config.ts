/**
 * Checking and completing what P2PNode.create is given: limit overrides merged over the
 * defaults, and the member list turned into the directory the gater and the node use. Bad
 * input is refused with every problem listed at once, before anything starts.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { DEFAULT_LIMITS, PROTOCOL_NAMES, type P2PLimits, type ProtocolName, type RateLimit } from './constants.js';
import { InvalidAddressError, InvalidLimitsError, InvalidMemberListError } from './errors.js';
import { INVALID_MESSAGE_KINDS, type InvalidMessageKind, type MemberEntry, type MemberId } from './types.js';

/** Overrides of DEFAULT_LIMITS; rates and weights merge per protocol and per kind. */
export type P2PLimitsOverrides = Partial<Omit<P2PLimits, 'messageRates' | 'scoreWeights'>> & {
  readonly messageRates?: Partial<Record<ProtocolName, RateLimit>>;
  readonly scoreWeights?: Partial<Record<InvalidMessageKind, number>>;
};

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
  for (const [protocol, rate] of Object.entries(messageRates) as [string, RateLimit | undefined][]) {
    if (!(PROTOCOL_NAMES as readonly string[]).includes(protocol)) problems.push(`messageRates.${protocol}: not a protocol`);
    else if (!isPositive(rate?.perSecond) || !isPositive(rate?.burst) || rate.burst < 1) {
      problems.push(`messageRates.${protocol} needs perSecond > 0 and burst >= 1`);
    }
  }
  for (const [kind, weight] of Object.entries(scoreWeights) as [string, unknown][]) {
    if (!(INVALID_MESSAGE_KINDS as readonly string[]).includes(kind)) problems.push(`scoreWeights.${kind}: not an invalid-message kind`);
    else if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) problems.push(`scoreWeights.${kind} must be a finite number >= 0`);
  }
  const limits: P2PLimits = {
    ...DEFAULT_LIMITS,
    ...scalars,
    messageRates: { ...DEFAULT_LIMITS.messageRates, ...messageRates },
    scoreWeights: { ...DEFAULT_LIMITS.scoreWeights, ...scoreWeights },
  };
  if (problems.length === 0) {
    if (limits.backoffMaxMs < limits.backoffBaseMs) problems.push('backoffMaxMs must be >= backoffBaseMs');
    if (limits.redialMaxMs < limits.redialBaseMs) problems.push('redialMaxMs must be >= redialBaseMs');
  }
  if (problems.length > 0) throw new InvalidLimitsError(problems);
  return limits;
}

/** A member other than this node: what the gater admits and the node dials. */
export interface RemoteMember {
  readonly id: MemberId;
  readonly peerId: PeerId;
  /** Dialable addresses without the /p2p/ part (the peer id is dialled separately). */
  readonly addresses: readonly Multiaddr[];
}

export interface MemberDirectory {
  readonly self: MemberId;
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
    if (member.id === selfId) {
      selfListed = true;
      if (peerId.toString() !== selfPeerId) {
        problems.push(`${where}: this node's entry lists peer id ${peerId.toString()} but its private key is peer id ${selfPeerId}`);
      }
    } else {
      remotes.push({ id: member.id, peerId, addresses });
    }
  }
  if (!selfListed) problems.push(`this node's member id ${JSON.stringify(selfId)} is not in the member list`);
  if (problems.length > 0) throw new InvalidMemberListError(problems);
  return { self: selfId, remotes };
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
