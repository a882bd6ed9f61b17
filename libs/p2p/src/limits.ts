/**
 * The pure parts of per-peer limits: a token bucket for message rates, a score that decays
 * over time, exponential back-off, the send-queue budget and a log throttle. No clock inside:
 * every method takes `nowMs`, so unit tests drive time by hand and the node passes Date.now().
 */
import type { P2PLimits, RateLimit } from './constants.js';
import type { InvalidMessageKind } from './types.js';

/** Frames (or bytes) per second with bursts: `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    readonly rate: Pick<RateLimit, 'perSecond' | 'burst'>,
    nowMs: number,
  ) {
    this.tokens = rate.burst;
    this.updatedAtMs = nowMs;
  }

  /** Takes `amount` tokens (one frame, or a frame's bytes) if there are that many; false means over the rate. */
  tryTake(nowMs: number, amount = 1): boolean {
    this.refill(nowMs);
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  private refill(nowMs: number): void {
    // A clock that steps back never adds tokens (and never removes them).
    const elapsedMs = Math.max(0, nowMs - this.updatedAtMs);
    this.tokens = Math.min(this.rate.burst, this.tokens + (elapsedMs * this.rate.perSecond) / 1000);
    this.updatedAtMs = Math.max(this.updatedAtMs, nowMs);
  }
}

/** Below this a decayed score reads as 0 (the gauge would otherwise show 1e-300). */
const SCORE_EPSILON = 0.001;

/** A score that halves every `halfLifeMs`: old faults fade, a burst of new ones adds up. */
export class DecayingScore {
  private valueAtUpdate = 0;
  private updatedAtMs = 0;

  constructor(readonly halfLifeMs: number) {}

  add(amount: number, nowMs: number): number {
    const value = this.value(nowMs) + amount;
    this.valueAtUpdate = value;
    this.updatedAtMs = Math.max(this.updatedAtMs, nowMs);
    return value;
  }

  value(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.updatedAtMs);
    const value = this.valueAtUpdate * 2 ** (-elapsedMs / this.halfLifeMs);
    return value < SCORE_EPSILON ? 0 : value;
  }

  reset(nowMs: number): void {
    this.valueAtUpdate = 0;
    this.updatedAtMs = Math.max(this.updatedAtMs, nowMs);
  }
}

/** baseMs, 2 x baseMs, 4 x baseMs ... capped at maxMs. */
export class ExponentialBackoff {
  private attempts = 0;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
  ) {}

  /** The next delay; each call doubles the following one until the cap. */
  next(): number {
    const delayMs = Math.min(this.maxMs, this.baseMs * 2 ** this.attempts);
    // Stop counting once capped, so 2 ** attempts never overflows.
    if (delayMs < this.maxMs) this.attempts += 1;
    return delayMs;
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** Spreads a delay by +-fraction so members that lost each other do not redial in lockstep. */
export function withJitter(delayMs: number, random: () => number, fraction = 0.2): number {
  return Math.round(delayMs * (1 - fraction + 2 * fraction * random()));
}

export interface DisciplineVerdict {
  /** The member's score after this fault. */
  readonly score: number;
  /** The score reached the limit: disconnect the member and start a back-off. */
  readonly limitExceeded: boolean;
}

export type DisciplineLimits = Pick<
  P2PLimits,
  'scoreWeights' | 'scoreLimit' | 'scoreHalfLifeMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'backoffResetMs'
>;

/**
 * One member's invalid-message score and back-off. Faults add their weight to a decaying
 * score; at the limit the member is disconnected for a back-off that doubles on each repeat
 * (1 s, 2 s, 4 s ... capped) and starts over after a clean period.
 */
export class PeerDiscipline {
  private readonly score: DecayingScore;
  private readonly backoff: ExponentialBackoff;
  private backoffUntilMs = 0;
  private backoffCount = 0;

  constructor(private readonly limits: DisciplineLimits) {
    this.score = new DecayingScore(limits.scoreHalfLifeMs);
    this.backoff = new ExponentialBackoff(limits.backoffBaseMs, limits.backoffMaxMs);
  }

  /**
   * Scores one fault. While the member is in back-off (frames still in flight when it was cut
   * off) nothing is added: it is already being punished, and a second back-off would double it.
   */
  recordInvalid(kind: InvalidMessageKind, nowMs: number): DisciplineVerdict {
    if (this.isInBackoff(nowMs)) return { score: this.score.value(nowMs), limitExceeded: false };
    const score = this.score.add(this.limits.scoreWeights[kind], nowMs);
    return { score, limitExceeded: score >= this.limits.scoreLimit };
  }

  /** Starts a back-off and clears the score; returns the back-off's length in ms. */
  startBackoff(nowMs: number): number {
    if (this.backoffCount > 0 && nowMs - this.backoffUntilMs >= this.limits.backoffResetMs) this.backoff.reset();
    const backoffMs = this.backoff.next();
    this.backoffUntilMs = nowMs + backoffMs;
    this.backoffCount += 1;
    this.score.reset(nowMs);
    return backoffMs;
  }

  isInBackoff(nowMs: number): boolean {
    return nowMs < this.backoffUntilMs;
  }

  /** When the current back-off ends (epoch ms), or null when the member is not in back-off. */
  backoffUntil(nowMs: number): number | null {
    return this.isInBackoff(nowMs) ? this.backoffUntilMs : null;
  }

  scoreAt(nowMs: number): number {
    return this.score.value(nowMs);
  }

  /** Back-offs served so far. */
  get backoffs(): number {
    return this.backoffCount;
  }
}

/**
 * What one member may have queued for sending, all protocols together: frames and bytes.
 * A slow member loses new frames instead of growing memory without bound.
 */
export class SendBudget {
  private queuedFrames = 0;
  private queuedBytes = 0;

  constructor(
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {}

  tryReserve(bytes: number): boolean {
    if (this.queuedFrames + 1 > this.maxFrames || this.queuedBytes + bytes > this.maxBytes) return false;
    this.queuedFrames += 1;
    this.queuedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    if (this.queuedFrames < 1 || this.queuedBytes < bytes) throw new Error('SendBudget released more than it reserved');
    this.queuedFrames -= 1;
    this.queuedBytes -= bytes;
  }

  get frames(): number {
    return this.queuedFrames;
  }

  get bytes(): number {
    return this.queuedBytes;
  }
}

/**
 * At most one log line per key per window; the next line written reports how many were
 * suppressed. A flooding peer cannot flood the log. Keys are bounded: the oldest is forgotten.
 */
export class LogThrottle {
  private readonly windows = new Map<string, { startedAtMs: number; suppressed: number }>();

  constructor(
    readonly windowMs: number,
    readonly maxKeys = 1024,
  ) {}

  /** null: suppress this line. A number: write it, noting that many suppressed before it. */
  admit(key: string, nowMs: number): number | null {
    const window = this.windows.get(key);
    if (window !== undefined && nowMs - window.startedAtMs < this.windowMs) {
      window.suppressed += 1;
      return null;
    }
    const suppressed = window?.suppressed ?? 0;
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next();
      if (oldest.done !== true) this.windows.delete(oldest.value);
    }
    this.windows.set(key, { startedAtMs: nowMs, suppressed: 0 });
    return suppressed;
  }
}
