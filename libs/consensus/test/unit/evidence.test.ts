import { describe, expect, it } from 'vitest';
import { decodeEvidence, encodeEvidence, MemoryChainStore, type Evidence } from '../../src/index.js';
import { evidenceHash } from '../../src/node/evidence-codec.js';
import { TEST_LIMITS } from './store-fixtures.js';

const vote = (blockHash: Uint8Array | null) => ({ type: 'precommit' as const, height: 9, round: 2, blockHash, validator: 'SFR-FR', signature: new Uint8Array(64).fill(3) });
const evidence: Evidence = { kind: 'duplicateVote', first: vote(null), second: vote(new Uint8Array(32).fill(7)) };

describe('equivocation evidence', () => {
  it('round-trips both signed messages through its canonical encoding', () => {
    expect(decodeEvidence(encodeEvidence(evidence))).toEqual(evidence);
    const proposal = { height: 4, round: 0, polRound: -1, blockHash: new Uint8Array(32).fill(1), proposer: 'Orange-FR', signature: new Uint8Array(64) };
    const conflicting: Evidence = { kind: 'duplicateProposal', first: proposal, second: { ...proposal, blockHash: new Uint8Array(32).fill(2) } };
    expect(decodeEvidence(encodeEvidence(conflicting))).toEqual(conflicting);
  });

  it('is stored once per record and listed newest first', async () => {
    const store = new MemoryChainStore({ limits: TEST_LIMITS });
    const record = encodeEvidence(evidence);
    await store.saveEvidence(9, evidenceHash(record), record);
    await store.saveEvidence(9, evidenceHash(record), record);
    const later = encodeEvidence({ ...evidence, first: { ...evidence.first, height: 12 }, second: { ...evidence.second, height: 12 } });
    await store.saveEvidence(12, evidenceHash(later), later);
    const listed = await store.listEvidence(10);
    expect(listed.map((entry) => entry.height)).toEqual([12, 9]);
    expect(decodeEvidence(listed[1]!.record)).toEqual(evidence);
    expect(await store.listEvidence(1)).toHaveLength(1);
  });
});
