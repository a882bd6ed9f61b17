import { DEFAULT_CONSENSUS_PARAMS, deriveConsensusLimits, PEER_DISCIPLINE, transportLimitsFor, type ConsensusParams } from '@consortium/consensus';
import { DEFAULT_LIMITS } from '@consortium/p2p';
import { describe, expect, it } from 'vitest';
import { p2pLimitsFromConsensus } from '../../src/p2p-limits.js';

// The consensus simulator enforces what a node's libs/p2p transport enforces. libs/consensus may
// not import libs/p2p (same layer); the node maps one to the other, so this is where a drift
// between the simulated and the real transport fails.

const CHAINS: readonly (readonly [string, ConsensusParams])[] = [
  ['the default chain', DEFAULT_CONSENSUS_PARAMS],
  ["the simulator's full-blocks chain", { ...DEFAULT_CONSENSUS_PARAMS, blockMaxBytes: 256 * 1024, txMaxBytes: 4 * 1024, blockMaxTxs: 10_000 }],
];

describe("the simulator's transport", () => {
  for (const [name, consensus] of CHAINS) {
    it(`has the node's frame caps and receive rates on ${name}`, () => {
      const sim = transportLimitsFor({ consensus });
      const node = p2pLimitsFromConsensus(deriveConsensusLimits(consensus));
      expect(sim.caps).toEqual({
        message: { consensus: node.frameLimits.messageMaxBytes?.consensus, tx: node.frameLimits.messageMaxBytes?.tx },
        request: { sync: node.frameLimits.requestMaxBytes?.sync },
        response: { sync: node.frameLimits.responseMaxBytes?.sync },
      });
      for (const channel of ['consensus', 'tx', 'sync'] as const) {
        const rate = sim.policy.messageRates[channel];
        expect({ perSecond: rate.framesPerSecond, burst: rate.burstFrames, bytesPerSecond: rate.bytesPerSecond, burstBytes: rate.burstBytes }).toEqual(node.rates[channel]);
      }
    });
  }

  it("has libs/p2p's score weights, score limit and back-off", () => {
    const { scoreWeights, scoreLimit, scoreHalfLifeMs, backoffBaseMs, backoffMaxMs, backoffResetMs } = DEFAULT_LIMITS;
    expect(PEER_DISCIPLINE).toEqual({ scoreWeights, scoreLimit, scoreHalfLifeMs, backoffBaseMs, backoffMaxMs, backoffResetMs });
  });
});
