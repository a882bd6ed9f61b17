import type { Genesis } from '../genesis/types.js';
import { deriveConsensusLimits, type ChannelRate } from '../limits.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel } from '../transport.js';

/**
 * The limits the real transport (libs/p2p) enforces per member and protocol, as the simulated
 * network enforces them. Frame caps and rates come from the same table the node hands libs/p2p
 * (deriveConsensusLimits, mapped by apps/node's p2pLimitsFromConsensus), so a run tests the
 * limits a real chain with this genesis would have. The score and back-off are libs/p2p's
 * DEFAULT_LIMITS, restated because consensus may not import libs/p2p (same layer);
 * apps/node/test/unit/sim-transport-limits.test.ts fails when either drifts.
 */

/** Largest frame payload per protocol, in bytes. */
export interface SimFrameCaps {
  readonly message: Readonly<Record<MessageChannel, number>>;
  readonly request: Readonly<Record<RequestChannel, number>>;
  readonly response: Readonly<Record<RequestChannel, number>>;
}

/** What decides what a member may send and what a fault costs it. */
export interface SimPeerPolicy {
  /** Frames (sync: requests) and bytes a member may send another per second; past either, frames are dropped and scored. */
  readonly messageRates: Readonly<Record<MessageChannel | RequestChannel, ChannelRate>>;
  readonly scoreWeights: Readonly<Record<InvalidMessageKind, number>>;
  /** A member whose score reaches this is disconnected for a back-off. */
  readonly scoreLimit: number;
  readonly scoreHalfLifeMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly backoffResetMs: number;
}

export interface SimTransportLimits {
  readonly caps: SimFrameCaps;
  readonly policy: SimPeerPolicy;
}

/** The frame caps of a chain with this genesis: consensus's limits table. */
export function frameCapsFor(genesis: Pick<Genesis, 'consensus'>): SimFrameCaps {
  const limits = deriveConsensusLimits(genesis.consensus);
  return {
    message: { consensus: limits.consensusFrameMaxBytes, tx: limits.txBatchFrameMaxBytes },
    request: { sync: limits.syncRequestFrameMaxBytes },
    response: { sync: limits.syncResponseFrameMaxBytes },
  };
}

/** libs/p2p DEFAULT_LIMITS: score weights, score limit and back-off (they do not depend on the genesis). */
export const PEER_DISCIPLINE: Omit<SimPeerPolicy, 'messageRates'> = {
  scoreWeights: {
    oversized: 100,
    malformed: 30,
    bad_signature: 60,
    invalid_proof: 60,
    unknown_sender: 30,
    replay: 10,
    rate_exceeded: 2,
    unresponsive: 21,
    invalid_tx: 4,
  },
  scoreLimit: 100,
  scoreHalfLifeMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  backoffResetMs: 10 * 60_000,
};

/** The receive rates of a chain with this genesis, with libs/p2p's discipline. */
export function peerPolicyFor(genesis: Pick<Genesis, 'consensus'>): SimPeerPolicy {
  const { receiveRates } = deriveConsensusLimits(genesis.consensus);
  return { ...PEER_DISCIPLINE, messageRates: { consensus: receiveRates.consensus, tx: receiveRates.tx, sync: receiveRates.sync } };
}

export function transportLimitsFor(genesis: Pick<Genesis, 'consensus'>): SimTransportLimits {
  return { caps: frameCapsFor(genesis), policy: peerPolicyFor(genesis) };
}
