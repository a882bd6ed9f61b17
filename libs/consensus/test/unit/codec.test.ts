import { describe, expect, it } from 'vitest';
import { decodeCanonical, encodeCanonical, MalformedMessageError, OversizedMessageError } from '../../src/index.js';
import { decodeConsensusMessage, encodeConsensusMessage } from '../../src/node/wire.js';

const LIMITS = { blockMaxBytes: 64 * 1024, blockMaxTxs: 16, txMaxBytes: 1024 };
const vote = { type: 'prevote' as const, height: 5, round: 1, blockHash: new Uint8Array(32).fill(4), validator: 'Orange-FR', signature: new Uint8Array(64).fill(9) };

describe('canonical encoding', () => {
  it('encodes maps with bytewise-sorted keys regardless of insertion order', () => {
    expect(encodeCanonical({ b: 1, a: 2, aa: 3 })).toEqual(encodeCanonical({ aa: 3, a: 2, b: 1 }));
  });

  it('refuses an oversized input before parsing it', () => {
    expect(() => decodeCanonical(new Uint8Array(100), 99, 'vote')).toThrow(OversizedMessageError);
    expect(() => decodeCanonical(new Uint8Array(100), 99, 'vote')).toThrow('vote of 100 bytes exceeds the limit of 99 bytes');
  });

  it('refuses bytes that are not CBOR, and CBOR that is not in canonical form', () => {
    expect(() => decodeCanonical(Uint8Array.of(0xff, 0x00), 10)).toThrow(MalformedMessageError);
    // {"b": 1, "a": 2} with keys out of order: same meaning, other bytes.
    const unsorted = Uint8Array.of(0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02);
    expect(() => decodeCanonical(unsorted, 100)).toThrow('message is not in canonical CBOR form');
    // 1 encoded in two bytes instead of one
    expect(() => decodeCanonical(Uint8Array.of(0x18, 0x01), 100)).toThrow(MalformedMessageError);
  });
});

describe('consensus wire messages', () => {
  it('round-trips a vote', () => {
    expect(decodeConsensusMessage(encodeConsensusMessage({ kind: 'vote', vote }), LIMITS)).toEqual({ kind: 'vote', vote });
  });

  it('names the field at fault', () => {
    const bad = (patch: Record<string, unknown>) => encodeCanonical({ k: 'vote', v: { t: 'prevote', h: 5, r: 1, b: vote.blockHash, v: 'Orange-FR', s: vote.signature, ...patch } });
    expect(() => decodeConsensusMessage(bad({ t: 'maybe' }), LIMITS)).toThrow('vote.type: must be "prevote" or "precommit"');
    expect(() => decodeConsensusMessage(bad({ h: 0 }), LIMITS)).toThrow(/vote.height: must be an integer from 1/);
    expect(() => decodeConsensusMessage(bad({ s: new Uint8Array(10) }), LIMITS)).toThrow('vote.signature: must be 64 bytes');
    expect(() => decodeConsensusMessage(bad({ b: new Uint8Array(31) }), LIMITS)).toThrow('vote.blockHash: must be 32 bytes');
    expect(() => decodeConsensusMessage(encodeCanonical({ k: 'gossip' }), LIMITS)).toThrow('consensus message: unknown kind "gossip"');
  });

  it('refuses a proposal whose proof-of-lock round is not below its round', () => {
    const proposal = encodeCanonical({ k: 'proposal', p: { h: 1, r: 2, p: 2, b: new Uint8Array(32), v: 'A', s: new Uint8Array(64) }, b: {} });
    expect(() => decodeConsensusMessage(proposal, LIMITS)).toThrow('proposal.polRound: must be below the round (or -1)');
  });
});
