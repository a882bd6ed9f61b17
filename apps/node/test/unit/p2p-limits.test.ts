import {
  DEFAULT_CONSENSUS_PARAMS,
  deriveConsensusLimits,
  findLimitProblems,
  maxLegalBlockMaxBytes,
  MAX_LEGAL_TX_MAX_BYTES,
  TRANSPORT_FRAME_MAX_BYTES,
  type BlockParams,
} from '@consortium/consensus';
import { generateNodeKey, P2P_FRAME_CEILING_BYTES, P2PNode, peerIdOf } from '@consortium/p2p';
import { describe, expect, it } from 'vitest';
import { p2pLimitsFromConsensus } from '../../src/p2p-limits.js';

/** A P2PNode built (not started) with the limits the node would give it: p2p checks them as it would at start-up. */
async function p2pWith(limits: ReturnType<typeof p2pLimitsFromConsensus>) {
  const privateKey = await generateNodeKey();
  const node = await P2PNode.create({
    memberId: 'Orange-FR',
    privateKey,
    listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
    members: [{ id: 'Orange-FR', peerId: peerIdOf(privateKey) }],
    metrics: null,
    logger: null,
    limits: { messageRates: limits.rates },
    frameLimits: limits.frameLimits,
  });
  await node.stop();
  return node;
}

/**
 * One table, two packages: whatever genesis allows, every consensus frame fits the frame limit
 * libs/p2p is configured with, and p2p accepts that configuration.
 */
const cases: Record<string, BlockParams> = {
  defaults: DEFAULT_CONSENSUS_PARAMS,
  'small blocks': { blockMaxBytes: 1024, blockMaxTxs: 1, txMaxBytes: 64 },
  'largest legal block, default tx count': { blockMaxBytes: maxLegalBlockMaxBytes(10_000), blockMaxTxs: 10_000, txMaxBytes: 64 * 1024 },
  'largest legal block, a million tiny txs': { blockMaxBytes: maxLegalBlockMaxBytes(1_000_000), blockMaxTxs: 1_000_000, txMaxBytes: 64 },
  'largest transactions': { blockMaxBytes: maxLegalBlockMaxBytes(100), blockMaxTxs: 100, txMaxBytes: MAX_LEGAL_TX_MAX_BYTES },
};

describe('p2p limits from the consensus limits table', () => {
  it('has a transport ceiling consensus stays under', () => {
    expect(TRANSPORT_FRAME_MAX_BYTES).toBeLessThanOrEqual(P2P_FRAME_CEILING_BYTES);
  });

  for (const [name, params] of Object.entries(cases)) {
    it(`fits every consensus frame into p2p's configured limits (${name})`, async () => {
      expect(findLimitProblems(params)).toEqual([]);
      const limits = deriveConsensusLimits(params);
      const p2p = await p2pWith(p2pLimitsFromConsensus(limits));
      const { frames } = p2p;
      const resolvedRates = p2p.limits.messageRates;
      expect(limits.consensusFrameMaxBytes).toBeLessThanOrEqual(frames.messageMaxBytes.consensus);
      expect(limits.walEntryMaxBytes).toBeLessThanOrEqual(frames.messageMaxBytes.consensus);
      expect(limits.txBatchFrameMaxBytes).toBeLessThanOrEqual(frames.messageMaxBytes.tx);
      expect(limits.syncResponseFrameMaxBytes).toBeLessThanOrEqual(frames.responseMaxBytes.sync);
      expect(limits.syncRequestFrameMaxBytes).toBeLessThanOrEqual(frames.requestMaxBytes.sync);
      // Senders' budgets stay under half of what receivers accept.
      expect(limits.relayBytesPerSecond).toBeLessThanOrEqual(resolvedRates.consensus.bytesPerSecond / 2);
      expect(limits.relayFramesPerSecond).toBeLessThanOrEqual(resolvedRates.consensus.perSecond / 2);
      expect(limits.txGossipBytesPerSecond).toBeLessThanOrEqual(resolvedRates.tx.bytesPerSecond / 2);
    });
  }

  it('refuses one byte more than the largest legal block', () => {
    expect(findLimitProblems({ blockMaxBytes: maxLegalBlockMaxBytes(10_000) + 1, blockMaxTxs: 10_000, txMaxBytes: 64 * 1024 })).toHaveLength(1);
  });
});
