import type { MemberId } from '../genesis/types.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel } from '../transport.js';
import type { ChannelRate } from '../limits.js';
import type { SimPeerPolicy } from './transport-limits.js';

/**
 * What one member's transport keeps about another, on virtual time, with libs/p2p's rules
 * (limits.ts): a token bucket per protocol, an invalid-message score that halves every
 * `scoreHalfLifeMs`, and at the score limit a disconnection whose back-off doubles on each
 * repeat (up to `backoffMaxMs`) and starts over after `backoffResetMs` without one. Faults
 * reported while a back-off runs add nothing: the member is already being punished.
 */

type Channel = MessageChannel | RequestChannel;

/** A token bucket: `perSecond` refills per second, up to `burst` at once. */
class Bucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAtMs = nowMs;
  }

  available(nowMs: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.updatedAtMs) * this.perSecond) / 1000);
    this.updatedAtMs = nowMs;
    return this.tokens;
  }

  take(amount: number): void {
    this.tokens -= amount;
  }
}

/** A channel's frame and byte buckets: a frame passes only when both have room (then both are charged), as in libs/p2p. */
class ChannelBuckets {
  private readonly frames: Bucket;
  private readonly bytes: Bucket;

  constructor(rate: ChannelRate, nowMs: number) {
    this.frames = new Bucket(rate.framesPerSecond, rate.burstFrames, nowMs);
    this.bytes = new Bucket(rate.bytesPerSecond, rate.burstBytes, nowMs);
  }

  tryTake(nowMs: number, sizeBytes: number): boolean {
    if (this.frames.available(nowMs) < 1 || this.bytes.available(nowMs) < sizeBytes) return false;
    this.frames.take(1);
    this.bytes.take(sizeBytes);
    return true;
  }
}

interface PairState {
  readonly buckets: Map<Channel, ChannelBuckets>;
  score: number;
  scoreAtMs: number;
  backoffAttempts: number;
  backoffUntilMs: number;
  backoffs: number;
}

export interface Penalty {
  /** The score after this fault (0 when it started a back-off). */
  readonly score: number;
  /** Set when the fault crossed the limit: the pair is disconnected this long. */
  readonly disconnectedForMs: number | null;
}

export class SimPeerDiscipline {
  /** observer -> subject -> state. */
  private readonly pairs = new Map<MemberId, Map<MemberId, PairState>>();

  constructor(private readonly policy: SimPeerPolicy) {}

  private state(observer: MemberId, subject: MemberId): PairState {
    let bySubject = this.pairs.get(observer);
    if (bySubject === undefined) {
      bySubject = new Map();
      this.pairs.set(observer, bySubject);
    }
    let state = bySubject.get(subject);
    if (state === undefined) {
      state = { buckets: new Map(), score: 0, scoreAtMs: 0, backoffAttempts: 0, backoffUntilMs: 0, backoffs: 0 };
      bySubject.set(subject, state);
    }
    return state;
  }

  /** One frame (or request) of `sizeBytes` from `subject` arriving at `observer`: false when over the frame or byte rate. */
  takeToken(observer: MemberId, subject: MemberId, channel: Channel, nowMs: number, sizeBytes: number): boolean {
    const { buckets } = this.state(observer, subject);
    let bucket = buckets.get(channel);
    if (bucket === undefined) {
      bucket = new ChannelBuckets(this.policy.messageRates[channel], nowMs);
      buckets.set(channel, bucket);
    }
    return bucket.tryTake(nowMs, sizeBytes);
  }

  penalise(observer: MemberId, subject: MemberId, kind: InvalidMessageKind, nowMs: number): Penalty {
    const state = this.state(observer, subject);
    const decayed = state.score * 2 ** (-(nowMs - state.scoreAtMs) / this.policy.scoreHalfLifeMs);
    if (nowMs < state.backoffUntilMs) return { score: decayed, disconnectedForMs: null };
    state.score = decayed + this.policy.scoreWeights[kind];
    state.scoreAtMs = nowMs;
    if (state.score < this.policy.scoreLimit) return { score: state.score, disconnectedForMs: null };
    if (state.backoffs > 0 && nowMs - state.backoffUntilMs >= this.policy.backoffResetMs) state.backoffAttempts = 0;
    const backoffMs = Math.min(this.policy.backoffMaxMs, this.policy.backoffBaseMs * 2 ** state.backoffAttempts);
    if (backoffMs < this.policy.backoffMaxMs) state.backoffAttempts += 1;
    state.backoffUntilMs = nowMs + backoffMs;
    state.backoffs += 1;
    state.score = 0;
    return { score: 0, disconnectedForMs: backoffMs };
  }

  /** A disconnection by either side keeps the link down: when it ends (0 when it is not down). */
  disconnectedUntilMs(a: MemberId, b: MemberId): number {
    return Math.max(this.pairs.get(a)?.get(b)?.backoffUntilMs ?? 0, this.pairs.get(b)?.get(a)?.backoffUntilMs ?? 0);
  }

  /** The observer's process restarted: what its transport kept is gone. */
  forget(observer: MemberId): void {
    this.pairs.delete(observer);
  }
}
