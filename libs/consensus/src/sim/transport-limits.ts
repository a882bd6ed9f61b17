import type { Genesis } from '../genesis/types.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel } from '../transport.js';

/**
 * The limits the real transport (libs/p2p) enforces per member and protocol, as the simulated
 * network enforces them: frame caps, message rates, the invalid-message score and the back-off.
 * Consensus may not import libs/p2p (same layer), so the values are restated here;
 * tools/test/unit/sim-transport-limits.test.ts fails when they drift from libs/p2p's
 * constants.ts.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest frame payload per protocol, in bytes (libs/p2p MESSAGE_MAX_BYTES, REQUEST_MAX_BYTES, RESPONSE_MAX_BYTES). */
export interface SimFrameCaps {
  readonly message: Readonly<Record<MessageChannel, number>>;
  readonly request: Readonly<Record<RequestChannel, number>>;
  readonly response: Readonly<Record<RequestChannel, number>>;
}

/** A token bucket: `perSecond` frames refill per second, up to `burst` at once. */
export interface SimRateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** libs/p2p's P2PLimits, the part that decides what a member may send and what it costs it. */
export interface SimPeerPolicy {
  /** Frames (sync: requests) a member may send another per second; past it they are dropped and scored. */
  readonly messageRates: Readonly<Record<MessageChannel | RequestChannel, SimRateLimit>>;
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

/**
 * Today's frame caps for a chain. They do not depend on the genesis yet (libs/p2p fixes them as
 * constants); issue 7 derives every size limit from the genesis parameters in one table, and
 * this function is where the simulator will read that table.
 */
export function frameCapsFor(genesis: Pick<Genesis, 'consensus'>): SimFrameCaps {
  void genesis;
  return {
    message: { consensus: 8 * MiB, tx: 1 * MiB },
    request: { sync: 4 * KiB },
    response: { sync: 32 * MiB },
  };
}

/** libs/p2p DEFAULT_LIMITS: rates, score weights, score limit and back-off. */
export const DEFAULT_PEER_POLICY: SimPeerPolicy = {
  messageRates: {
    consensus: { perSecond: 200, burst: 400 },
    tx: { perSecond: 1000, burst: 2000 },
    sync: { perSecond: 20, burst: 40 },
  },
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

export function transportLimitsFor(genesis: Pick<Genesis, 'consensus'>): SimTransportLimits {
  return { caps: frameCapsFor(genesis), policy: DEFAULT_PEER_POLICY };
}

/**
 * Today's caps divided by `divisor` (requests excepted: they are tiny anyway). A run whose chain
 * limits are scaled by the same divisor keeps every ratio between what the driver sends and
 * what the transport carries, at a fraction of the bytes (and of the simulator's time).
 */
export function scaledTransportLimits(genesis: Pick<Genesis, 'consensus'>, divisor: number): SimTransportLimits {
  const caps = frameCapsFor(genesis);
  const scale = (bytes: number) => Math.floor(bytes / divisor);
  return {
    caps: {
      message: { consensus: scale(caps.message.consensus), tx: scale(caps.message.tx) },
      request: caps.request,
      response: { sync: scale(caps.response.sync) },
    },
    policy: DEFAULT_PEER_POLICY,
  };
}
