import { decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { blockFromCbor, blockToCbor, proposalFromCbor, proposalToCbor, voteFromCbor, voteToCbor, type BlockLimits } from '../encoding/codec.js';
import { WalCorruptionError } from '../errors.js';
import { deriveConsensusLimits } from '../limits.js';
import type { ConsensusEvent, TimeoutStep } from '../state/types.js';
import type { Block, SignedProposal, SignedVote } from '../types.js';

/**
 * The consensus write-ahead log, per height. Every input the state machine takes is logged
 * before it is applied (peers' messages and timeouts without fsync: losing them in a crash
 * costs nothing, peers repeat them); the node's own signed proposals and votes are logged with
 * fsync before they are sent, so a restarted node knows what it signed and never signs a
 * different value for the same height, round and step. Replaying a height's entries in order
 * rebuilds the machine's state, locks included.
 */

export type WalEntry =
  | { readonly kind: 'input'; readonly event: Extract<ConsensusEvent, { kind: 'proposal' | 'vote' | 'timeout' }> }
  | { readonly kind: 'signedVote'; readonly vote: SignedVote }
  | { readonly kind: 'signedProposal'; readonly proposal: SignedProposal; readonly block: Block };

export function encodeWalEntry(entry: WalEntry): Uint8Array {
  switch (entry.kind) {
    case 'signedVote':
      return encodeCanonical({ t: 'sv', v: voteToCbor(entry.vote) });
    case 'signedProposal':
      return encodeCanonical({ t: 'sp', p: proposalToCbor(entry.proposal), b: blockToCbor(entry.block) });
    case 'input': {
      const event = entry.event;
      switch (event.kind) {
        case 'vote':
          return encodeCanonical({ t: 'v', v: voteToCbor(event.vote) });
        case 'proposal':
          return encodeCanonical({ t: 'p', p: proposalToCbor(event.proposal), b: blockToCbor(event.block), h: event.blockHash, ok: event.valid });
        case 'timeout':
          return encodeCanonical({ t: 'to', h: event.height, r: event.round, s: event.step });
      }
    }
  }
}

const TIMEOUT_STEPS = new Set<string>(['propose', 'prevote', 'precommit']);

export function decodeWalEntry(bytes: Uint8Array, limits: BlockLimits & { blockMaxBytes: number }): WalEntry {
  try {
    // Exactly what the store accepts: both take the cap from the limits table.
    const o = decodeCanonical(bytes, deriveConsensusLimits(limits).walEntryMaxBytes, 'WAL entry') as Record<string, unknown>;
    switch (o.t) {
      case 'sv':
        return { kind: 'signedVote', vote: voteFromCbor(o.v) };
      case 'sp':
        return { kind: 'signedProposal', proposal: proposalFromCbor(o.p), block: blockFromCbor(o.b, limits) };
      case 'v':
        return { kind: 'input', event: { kind: 'vote', vote: voteFromCbor(o.v) } };
      case 'p':
        if (!(o.h instanceof Uint8Array) || typeof o.ok !== 'boolean') throw new Error('proposal entry lacks its hash or verdict');
        return { kind: 'input', event: { kind: 'proposal', proposal: proposalFromCbor(o.p), block: blockFromCbor(o.b, limits), blockHash: o.h, valid: o.ok } };
      case 'to':
        if (typeof o.h !== 'number' || typeof o.r !== 'number' || typeof o.s !== 'string' || !TIMEOUT_STEPS.has(o.s)) throw new Error('bad timeout entry');
        return { kind: 'input', event: { kind: 'timeout', height: o.h, round: o.r, step: o.s as TimeoutStep } };
      default:
        throw new Error(`unknown entry type ${JSON.stringify(o.t)}`);
    }
  } catch (error) {
    throw new WalCorruptionError(`WAL entry cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** Key of what a validator signs once: one proposal per (height, round), one vote per (height, round, type). */
export function signingSlot(height: number, round: number, what: 'proposal' | 'prevote' | 'precommit'): string {
  return `${height}/${round}/${what}`;
}
