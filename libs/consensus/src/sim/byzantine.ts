import { blockHash } from '../block.js';
import type { Ed25519Signer } from '../crypto/ed25519.js';
import type { MemberId } from '../genesis/types.js';
import type { ConsensusStatus } from '../node/consensus-node.js';
import { decodeConsensusMessage, encodeConsensusMessage, type ConsensusMessage, type WireLimits } from '../node/wire.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import type { MessageChannel, RequestChannel } from '../transport.js';
import type { ValidatorSet } from '../validators.js';
import type { ByzantineHooks, SimTransport } from './network.js';
import type { SimRandom } from './random.js';
import type { SimClock } from './scheduler.js';
import type { SimFrameCaps } from './transport-limits.js';

/**
 * Byzantine members for the simulator. A Byzantine member runs the honest code, and its
 * transport changes what it sends, adds what its own code writes, and answers requests its
 * own way. Each behaviour is one strategy; a member may combine several.
 */

export const BYZANTINE_BEHAVIOURS = [
  /** Equivocates on a share of its own proposals and votes (one conflicting value). */
  'equivocate',
  /** Claims a far higher committed height in status and never serves sync (or serves empty or garbage). */
  'lie-status',
  /** Signs votes for rounds up to 1,000,000 and for far heights. */
  'flood-far-rounds',
  /** Relays honest proposals with a body that does not hash to the signed hash, from fast links. */
  'tamper-proposals',
  /** Sends random bytes, truncated CBOR, wrong shapes, bad signatures and frames above the cap. */
  'malformed-frames',
  /** Sends third and further conflicting votes, and extra large proposals of its turns and the next height's. */
  'flood-equivocations',
  /** Gossips floods of valid transactions (to fill mempools) and invalid ones. */
  'flood-txs',
] as const;
export type ByzantineBehaviourName = (typeof BYZANTINE_BEHAVIOURS)[number];

/** What a Byzantine member did, for the report: the simulator shows it reached each fault. */
export class ByzantineStats {
  equivocations = 0;
  statusLies = 0;
  syncRequestsStalled = 0;
  farRoundVotes = 0;
  tamperedProposals = 0;
  withheldMessages = 0;
  malformedFrames = 0;
  extraEquivocations = 0;
  largeProposals = 0;
  floodTxs = 0;
  invalidTxs = 0;
  /** Invalid txs sent to each member. */
  readonly invalidTxsTo = new Map<MemberId, number>();
  /** Who sent each invalid tx (hex of its bytes): a node whose application refuses one must report that sender. */
  readonly invalidTxSenders = new Map<string, MemberId>();
}

export interface ByzantineContext {
  readonly chainId: string;
  readonly self: MemberId;
  readonly signer: Ed25519Signer;
  readonly members: readonly MemberId[];
  readonly validators: ValidatorSet;
  readonly random: SimRandom;
  readonly limits: WireLimits;
  readonly caps: SimFrameCaps;
  /** The incarnation's clock: its timers die with the process. */
  readonly clock: SimClock;
  readonly transport: SimTransport;
  readonly stats: ByzantineStats;
  /** The member's own node, as its honest code sees it. */
  status(): ConsensusStatus;
}

export interface ByzantineBehaviour extends ByzantineHooks {
  /** Starts the behaviour's own timers (once the node has started). */
  start?(): void;
}

/** Everyone but the member itself. */
export function othersOf(context: ByzantineContext): MemberId[] {
  return context.members.filter((member) => member !== context.self);
}

/** Calls `act` every `periodMs` of virtual time, on the incarnation's clock. */
export function every(context: ByzantineContext, periodMs: number, act: () => void): void {
  const tick = () => {
    act();
    context.clock.setTimer(periodMs, tick);
  };
  context.clock.setTimer(context.random.int(1, periodMs), tick);
}

/** Combines behaviours: rewrites chain, every observer sees each frame, the first server answers. */
export function combineBehaviours(behaviours: readonly ByzantineBehaviour[]): ByzantineBehaviour {
  const rewriters = behaviours.filter((b) => b.rewrite !== undefined);
  const observers = behaviours.filter((b) => b.received !== undefined);
  const server = behaviours.find((b) => b.serve !== undefined);
  return {
    rewrite: (to: MemberId, channel: MessageChannel, payload: Uint8Array) => {
      let frames: readonly Uint8Array[] = [payload];
      for (const behaviour of rewriters) frames = frames.flatMap((frame) => behaviour.rewrite!(to, channel, frame));
      return frames;
    },
    received: (from: MemberId, channel: MessageChannel, payload: Uint8Array) => {
      for (const behaviour of observers) behaviour.received!(from, channel, payload);
    },
    ...(server === undefined
      ? {}
      : { serve: (channel: RequestChannel, from: MemberId, payload: Uint8Array, honest: (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>) => server.serve!(channel, from, payload, honest) }),
    start: () => {
      for (const behaviour of behaviours) behaviour.start?.();
    },
  };
}

/** Decisions an equivocator remembers per slot (recent heights only). */
const REMEMBERED_SLOTS = 256;

/**
 * Equivocation: with probability `rate` a slot of its own (a proposal or a vote of one height,
 * round and step) gets one conflicting version (another valid block: same content, another
 * time, so another hash; or nil instead of a block and the reverse). Recipients of one half get
 * the conflicting version; one recipient gets both, so equivocation evidence is produced. The
 * decision is kept per slot, so re-sends of the slot carry the same two values, never a third
 * (that is flood-equivocations' business).
 */
export function createEquivocator(context: ByzantineContext, rate: number): ByzantineBehaviour {
  const { chainId, signer, random, limits, self } = context;
  const others = othersOf(context);
  const secondHalf = new Set(others.slice(Math.ceil(others.length / 2)));
  const decisions = new Map<string, { readonly conflicting: Uint8Array | null; readonly bothTo: MemberId }>();
  // Decided per message (not per recipient), so one broadcast is split consistently.
  let lastPayload: Uint8Array | null = null;
  let lastDecision: { readonly conflicting: Uint8Array | null; readonly bothTo: MemberId } | null = null;

  const conflictingVersion = (message: ConsensusMessage): Uint8Array | null => {
    if (message.kind === 'proposal') {
      const header = { ...message.block.header, timeMs: message.block.header.timeMs + 1 + random.int(0, 1000) };
      const block = { ...message.block, header };
      const proposal = { ...message.proposal, blockHash: blockHash(block) };
      return encodeConsensusMessage({ kind: 'proposal', block, proposal: { ...proposal, signature: signer.sign(proposalSignBytes(chainId, proposal)) } });
    }
    if (message.kind === 'vote') {
      const vote = { ...message.vote, blockHash: message.vote.blockHash === null ? random.bytes(32) : null };
      return encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } });
    }
    return null;
  };

  const decide = (payload: Uint8Array) => {
    const message = decodeConsensusMessage(payload, limits);
    // Only its own messages: what it relays for others is signed by them and cannot be changed.
    const slot =
      message.kind === 'proposal' && message.proposal.proposer === self
        ? `${message.proposal.height}/${message.proposal.round}/proposal`
        : message.kind === 'vote' && message.vote.validator === self
          ? `${message.vote.height}/${message.vote.round}/${message.vote.type}`
          : null;
    if (slot === null) return null;
    let decision = decisions.get(slot);
    if (decision === undefined) {
      const conflicting = random.chance(rate) ? conflictingVersion(message) : null;
      if (conflicting !== null) context.stats.equivocations += 1;
      decision = { conflicting, bothTo: random.pick(others) };
      if (decisions.size >= REMEMBERED_SLOTS) decisions.delete(decisions.keys().next().value!);
      decisions.set(slot, decision);
    }
    return decision;
  };

  return {
    rewrite: (to, channel, payload) => {
      if (channel !== 'consensus') return [payload];
      if (payload !== lastPayload) {
        lastPayload = payload;
        lastDecision = decide(payload);
      }
      if (lastDecision === null || lastDecision.conflicting === null) return [payload];
      if (to === lastDecision.bothTo) return [payload, lastDecision.conflicting];
      return secondHalf.has(to) ? [lastDecision.conflicting] : [payload];
    },
  };
}
