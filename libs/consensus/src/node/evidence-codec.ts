import { sha256 } from '../crypto/hash.js';
import { decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { proposalFromCbor, proposalToCbor, voteFromCbor, voteToCbor } from '../encoding/codec.js';
import { MalformedMessageError } from '../errors.js';
import type { Evidence } from '../state/types.js';

/**
 * Equivocation evidence as stored and served: both signed messages, so anyone holding the
 * validator set can check the two signatures and see the conflict for themselves.
 */

export function encodeEvidence(evidence: Evidence): Uint8Array {
  return evidence.kind === 'duplicateVote'
    ? encodeCanonical({ k: 'duplicateVote', a: voteToCbor(evidence.first), b: voteToCbor(evidence.second) })
    : encodeCanonical({ k: 'duplicateProposal', a: proposalToCbor(evidence.first), b: proposalToCbor(evidence.second) });
}

export function decodeEvidence(bytes: Uint8Array): Evidence {
  const o = decodeCanonical(bytes, 16 * 1024, 'evidence') as Record<string, unknown>;
  if (o.k === 'duplicateVote') return { kind: 'duplicateVote', first: voteFromCbor(o.a), second: voteFromCbor(o.b) };
  if (o.k === 'duplicateProposal') return { kind: 'duplicateProposal', first: proposalFromCbor(o.a), second: proposalFromCbor(o.b) };
  throw new MalformedMessageError(`evidence: unknown kind ${JSON.stringify(o.k)}`);
}

/** The evidence's identity in the store: the same record always has the same hash. */
export function evidenceHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}
