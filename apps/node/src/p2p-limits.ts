import type { ConsensusLimits } from '@consortium/consensus';
import type { FrameLimitsOverrides, P2PLimitsOverrides } from '@consortium/p2p';

/**
 * libs/consensus and libs/p2p share a layer and may not import each other: the node hands
 * consensus's limits table (derived from genesis) to p2p. Every member computes the same frame
 * limits from the same genesis, so what one member may send, every other accepts; the rates
 * receivers enforce are the ones the senders' relay and gossip budgets stay under.
 */
export function p2pLimitsFromConsensus(limits: ConsensusLimits): { readonly frameLimits: FrameLimitsOverrides; readonly rates: NonNullable<P2PLimitsOverrides['messageRates']> } {
  const rate = (channel: keyof ConsensusLimits['receiveRates']) => {
    const { framesPerSecond, burstFrames, bytesPerSecond, burstBytes } = limits.receiveRates[channel];
    return { perSecond: framesPerSecond, burst: burstFrames, bytesPerSecond, burstBytes };
  };
  return {
    frameLimits: {
      messageMaxBytes: { consensus: limits.consensusFrameMaxBytes, tx: limits.txBatchFrameMaxBytes },
      requestMaxBytes: { sync: limits.syncRequestFrameMaxBytes },
      responseMaxBytes: { sync: limits.syncResponseFrameMaxBytes },
    },
    rates: { consensus: rate('consensus'), tx: rate('tx'), sync: rate('sync') },
  };
}
