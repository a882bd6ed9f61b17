import { sha256 } from '../crypto/hash.js';
import { decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { describeValue } from '../encoding/describe.js';
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
  const value = decodeCanonical(bytes, 16 * 1024, 'evidence');
  // canonical CBOR of anything (null, a number) passes decodeCanonical: the shape is checked here
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) throw new MalformedMessageError('evidence: must be a map');
  const o = value as Record<string, unknown>;
  if (o.k === 'duplicateVote') return { kind: 'duplicateVote', first: voteFromCbor(o.a), second: voteFromCbor(o.b) };
  if (o.k === 'duplicateProposal') return { kind: 'duplicateProposal', first: proposalFromCbor(o.a), second: proposalFromCbor(o.b) };
  throw new MalformedMessageError(`evidence: unknown kind ${describeValue(o.k)}`);
}

/** The evidence's identity in the store: the same record always has the same hash. */
export function evidenceHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}
