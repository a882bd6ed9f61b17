import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONSENSUS_PARAMS,
  defaultWalEntryMaxBytes,
  deriveConsensusLimits,
  genesisToJson,
  MAX_LEGAL_TX_MAX_BYTES,
  maxLegalBlockMaxBytes,
  parseGenesis,
  storedBlockMaxBytes,
  TRANSPORT_FRAME_MAX_BYTES,
} from '../../../src/index.js';
import { testConsortium } from './harness.js';

/** Every size comes from one table derived from genesis; genesis refuses what a transport could not carry. */
describe('size limits from the genesis parameters', () => {
  const withParams = (params: Partial<typeof DEFAULT_CONSENSUS_PARAMS>) => genesisToJson({ ...testConsortium(4).genesis, consensus: { ...DEFAULT_CONSENSUS_PARAMS, ...params } });
  const problemsOf = (params: Partial<typeof DEFAULT_CONSENSUS_PARAMS>): string[] => {
    try {
      parseGenesis(withParams(params));
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it('refuses a genesis whose largest block could not cross the transport', () => {
    expect(() => parseGenesis(withParams({ blockMaxBytes: 64 * 1024 * 1024 }))).toThrow(
      expect.objectContaining({ name: 'GenesisValidationError', problems: [expect.stringMatching(/^consensus\.blockMaxBytes: /)] }),
    );
  });

  it('accepts the largest legal block and refuses one byte more, naming the parameter', () => {
    const blockMaxTxs = DEFAULT_CONSENSUS_PARAMS.blockMaxTxs;
    expect(problemsOf({ blockMaxBytes: maxLegalBlockMaxBytes(blockMaxTxs) })).toEqual([]);
    expect(problemsOf({ blockMaxBytes: maxLegalBlockMaxBytes(blockMaxTxs) + 1 })).toEqual([expect.stringMatching(/^consensus\.blockMaxBytes: .* at most \d+ with this blockMaxTxs$/)]);
    // More transactions per block leave fewer bytes: each adds a length prefix to every frame.
    expect(problemsOf({ blockMaxBytes: maxLegalBlockMaxBytes(blockMaxTxs), blockMaxTxs: blockMaxTxs * 2 })).toHaveLength(1);
    // The largest transaction fits a block of few transactions and a gossip frame.
    expect(problemsOf({ txMaxBytes: MAX_LEGAL_TX_MAX_BYTES, blockMaxBytes: maxLegalBlockMaxBytes(1), blockMaxTxs: 1 })).toEqual([]);
    expect(problemsOf({ txMaxBytes: MAX_LEGAL_TX_MAX_BYTES + 1, blockMaxBytes: maxLegalBlockMaxBytes(1) + 1, blockMaxTxs: 1 })).toEqual([expect.stringMatching(/^consensus\.txMaxBytes: /)]);
  });

  it('gives the store and the WAL decoder one cap, and keeps every frame under the transport frame', () => {
    for (const params of [DEFAULT_CONSENSUS_PARAMS, { ...DEFAULT_CONSENSUS_PARAMS, blockMaxBytes: maxLegalBlockMaxBytes(10_000) }, { blockMaxBytes: 4096, blockMaxTxs: 1, txMaxBytes: 64 }]) {
      const limits = deriveConsensusLimits(params);
      expect(defaultWalEntryMaxBytes(params)).toBe(limits.walEntryMaxBytes);
      expect(storedBlockMaxBytes(params)).toBe(limits.encodedBlockMaxBytes);
      expect(limits.walEntryMaxBytes).toBeGreaterThan(limits.encodedBlockMaxBytes);
      expect(limits.syncResponseFrameMaxBytes).toBeGreaterThan(limits.committedBlockMaxBytes);
      expect(limits.largestFrameBytes).toBeLessThanOrEqual(TRANSPORT_FRAME_MAX_BYTES);
    }
  });
});
