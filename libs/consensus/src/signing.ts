import { encodeCanonical } from './encoding/canonical.js';
import type { Proposal, Vote } from './types.js';

/**
 * The exact bytes a validator signs. The chain id binds every signature to this chain; the
 * domain tag keeps a vote signature from ever verifying as a proposal and vice versa.
 */

export function voteSignBytes(chainId: string, vote: Vote): Uint8Array {
  return encodeCanonical(['consortium/vote/1', chainId, vote.type, vote.height, vote.round, vote.blockHash]);
}

export function proposalSignBytes(chainId: string, proposal: Proposal): Uint8Array {
  return encodeCanonical(['consortium/proposal/1', chainId, proposal.height, proposal.round, proposal.polRound, proposal.blockHash]);
}
