import { blockHash } from '../block.js';
import type { Ed25519Signer } from '../crypto/ed25519.js';
import type { MemberId } from '../genesis/types.js';
import { decodeConsensusMessage, encodeConsensusMessage, type WireLimits } from '../node/wire.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import type { MessageChannel } from '../transport.js';
import type { SimRandom } from './random.js';

/**
 * A Byzantine validator for the simulator: it runs the honest code, but what it sends is
 * rewritten per recipient. With probability `rate` it equivocates: recipients of one half get
 * a conflicting proposal (another valid block: same content, another time, so another hash) or
 * a conflicting vote (nil instead of a block, or a block instead of nil); one recipient gets both
 * versions, so equivocation evidence is produced.
 */
export function createEquivocator(options: {
  readonly chainId: string;
  readonly self: MemberId;
  readonly signer: Ed25519Signer;
  readonly members: readonly MemberId[];
  readonly random: SimRandom;
  readonly limits: WireLimits;
  readonly rate: number;
}): (to: MemberId, channel: MessageChannel, payload: Uint8Array) => readonly Uint8Array[] {
  const { chainId, signer, random, limits } = options;
  const others = options.members.filter((member) => member !== options.self);
  const secondHalf = new Set(others.slice(Math.ceil(others.length / 2)));
  // Decided per message (not per recipient), so one broadcast is split consistently.
  let lastPayload: Uint8Array | null = null;
  let lastConflicting: Uint8Array | null = null;
  let bothTo: MemberId | null = null;

  const conflictingVersion = (payload: Uint8Array): Uint8Array | null => {
    const message = decodeConsensusMessage(payload, limits);
    // Only its own messages: what it relays for others is signed by them and cannot be changed.
    if (message.kind === 'proposal' && message.proposal.proposer === options.self) {
      const header = { ...message.block.header, timeMs: message.block.header.timeMs + 1 + random.int(0, 1000) };
      const block = { ...message.block, header };
      const proposal = { ...message.proposal, blockHash: blockHash(block) };
      return encodeConsensusMessage({ kind: 'proposal', block, proposal: { ...proposal, signature: signer.sign(proposalSignBytes(chainId, proposal)) } });
    }
    if (message.kind === 'vote' && message.vote.validator === options.self) {
      const vote = { ...message.vote, blockHash: message.vote.blockHash === null ? random.bytes(32) : null };
      return encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } });
    }
    return null;
  };

  return (to, channel, payload) => {
    if (channel !== 'consensus') return [payload];
    if (payload !== lastPayload) {
      lastPayload = payload;
      lastConflicting = random.chance(options.rate) ? conflictingVersion(payload) : null;
      bothTo = random.pick(others);
    }
    if (lastConflicting === null) return [payload];
    if (to === bothTo) return [payload, lastConflicting];
    return secondHalf.has(to) ? [lastConflicting] : [payload];
  };
}
