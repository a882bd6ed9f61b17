import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/constants.js';
import { DecayingScore, ExponentialBackoff, LogThrottle, PeerDiscipline, SendBudget, TokenBucket, withJitter } from '../../src/limits.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, 0);
    expect([1, 2, 3, 4].map(() => bucket.tryTake(0))).toEqual([true, true, true, false]);
    expect(bucket.tryTake(50)).toBe(false); // half a token
    expect(bucket.tryTake(100)).toBe(true); // one token after 100 ms at 10/s
    expect(bucket.tryTake(100)).toBe(false);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const bucket = new TokenBucket({ perSecond: 100, burst: 5 }, 0);
    expect(bucket.available(3_600_000)).toBe(5);
  });

  it('ignores a clock that steps back', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 1 }, 1_000);
    expect(bucket.tryTake(1_000)).toBe(true);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.tryTake(1_999)).toBe(false);
    expect(bucket.tryTake(2_000)).toBe(true);
  });

  it('admits at most burst + rate x time frames over any window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gapsMs) => {
          const bucket = new TokenBucket({ perSecond, burst }, 0);
          let nowMs = 0;
          let admitted = 0;
          for (const gap of gapsMs) {
            nowMs += gap;
            if (bucket.tryTake(nowMs)) admitted += 1;
          }
          return admitted <= burst + (perSecond * nowMs) / 1000 + 1e-9;
        },
      ),
    );
  });
});

describe("a member's rate: frames and bytes", () => {
  it('refuses a frame over the byte rate even when it is within the frame rate', async () => {
    const { MemberState } = await import('../../src/member-state.js');
    const { peerIdFromString } = await import('@libp2p/peer-id');
    const limits = resolveLimits({ messageRates: { tx: { perSecond: 100, burst: 100, bytesPerSecond: 1_000, burstBytes: 2_000 } } });
    const member = new MemberState({ id: 'SFR-FR', peerId: peerIdFromString('12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'), addresses: [] }, limits);
    // Two 900-byte frames fit the 2,000-byte burst; the third does not, though 3 frames < 100.
    expect([900, 900, 900].map((bytes) => member.takeRateToken('tx', 0, bytes))).toEqual([true, true, false]);
    // The refused frame took nothing: after one second 1,000 bytes more are there.
    expect(member.takeRateToken('tx', 1_000, 900)).toBe(true);
    expect(member.takeRateToken('tx', 1_000, 900)).toBe(false);
    // Other protocols have their own buckets.
    expect(member.takeRateToken('consensus', 1_000, 900)).toBe(true);
  });
});

describe('DecayingScore', () => {
  it('halves every half-life', () => {
    const score = new DecayingScore(1_000);
    expect(score.add(80, 0)).toBe(80);
    expect(score.value(1_000)).toBeCloseTo(40);
    expect(score.value(2_000)).toBeCloseTo(20);
    expect(score.add(10, 2_000)).toBeCloseTo(30);
  });

  it('reads 0 once decayed to nothing, and after a reset', () => {
    const score = new DecayingScore(1_000);
    score.add(100, 0);
    expect(score.value(60_000)).toBe(0);
    score.add(50, 60_000);
    score.reset(60_001);
    expect(score.value(60_001)).toBe(0);
  });
});

describe('ExponentialBackoff', () => {
  it('doubles from the base up to the cap, and starts over after a reset', () => {
    const backoff = new ExponentialBackoff(1_000, 10_000);
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    backoff.reset();
    expect(backoff.next()).toBe(1_000);
  });

  it('stays at the cap however often it is called', () => {
    const backoff = new ExponentialBackoff(1, 5_000);
    for (let index = 0; index < 5_000; index++) backoff.next();
    expect(backoff.next()).toBe(5_000);
  });
});

describe('withJitter', () => {
  it('spreads a delay by +-20 %', () => {
    expect(withJitter(1_000, () => 0)).toBe(800);
    expect(withJitter(1_000, () => 0.5)).toBe(1_000);
    expect(withJitter(1_000, () => 0.999_999)).toBe(1_200);
  });
});

describe('PeerDiscipline', () => {
  const limits = { ...DEFAULT_LIMITS, scoreHalfLifeMs: 10_000, backoffBaseMs: 1_000, backoffMaxMs: 8_000, backoffResetMs: 60_000 };

  it('adds each kind at its weight and reports the limit when reached', () => {
    const discipline = new PeerDiscipline(limits);
    expect(discipline.recordInvalid('replay', 0)).toEqual({ score: 10, limitExceeded: false });
    expect(discipline.recordInvalid('bad_signature', 0)).toEqual({ score: 70, limitExceeded: false });
    expect(discipline.recordInvalid('malformed', 0)).toEqual({ score: 100, limitExceeded: true });
  });

  it('disconnects on one oversized frame, and on two cryptographic faults close together', () => {
    expect(new PeerDiscipline(limits).recordInvalid('oversized', 0).limitExceeded).toBe(true);
    const discipline = new PeerDiscipline(limits);
    discipline.recordInvalid('bad_signature', 0);
    expect(discipline.recordInvalid('invalid_proof', 1_000).limitExceeded).toBe(true);
  });

  it('forgives faults spread far apart (the score decays)', () => {
    const discipline = new PeerDiscipline(limits);
    for (let index = 0; index < 20; index++) {
      expect(discipline.recordInvalid('bad_signature', index * 30_000).limitExceeded).toBe(false);
    }
  });

  it('doubles the back-off on each repeat, up to the cap, and clears the score', () => {
    const discipline = new PeerDiscipline(limits);
    let nowMs = 0;
    const backoffs: number[] = [];
    for (let index = 0; index < 5; index++) {
      discipline.recordInvalid('oversized', nowMs);
      const backoffMs = discipline.startBackoff(nowMs);
      backoffs.push(backoffMs);
      expect(discipline.isInBackoff(nowMs + backoffMs - 1)).toBe(true);
      expect(discipline.backoffUntil(nowMs)).toBe(nowMs + backoffMs);
      expect(discipline.scoreAt(nowMs)).toBe(0);
      nowMs += backoffMs;
      expect(discipline.isInBackoff(nowMs)).toBe(false);
      expect(discipline.backoffUntil(nowMs)).toBeNull();
    }
    expect(backoffs).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(discipline.backoffs).toBe(5);
  });

  it('starts again from the base after a clean period', () => {
    const discipline = new PeerDiscipline(limits);
    discipline.startBackoff(0);
    expect(discipline.startBackoff(1_000)).toBe(2_000);
    // Clean for backoffResetMs after the last back-off ended.
    expect(discipline.startBackoff(3_000 + 60_000)).toBe(1_000);
  });

  it('does not score frames still in flight while the member is in back-off', () => {
    const discipline = new PeerDiscipline(limits);
    discipline.startBackoff(0);
    expect(discipline.recordInvalid('oversized', 10)).toEqual({ score: 0, limitExceeded: false });
    expect(discipline.backoffs).toBe(1);
  });
});

describe('SendBudget', () => {
  it('bounds frames and bytes, and gives back what is released', () => {
    const budget = new SendBudget(2, 100);
    expect(budget.tryReserve(60)).toBe(true);
    expect(budget.tryReserve(50)).toBe(false); // bytes
    expect(budget.tryReserve(40)).toBe(true);
    expect(budget.tryReserve(0)).toBe(false); // frames
    budget.release(60);
    expect({ frames: budget.frames, bytes: budget.bytes }).toEqual({ frames: 1, bytes: 40 });
    expect(budget.tryReserve(60)).toBe(true);
  });

  it('asserts it is never released past zero', () => {
    const budget = new SendBudget(2, 100);
    expect(() => budget.release(1)).toThrow(/released more than it reserved/);
  });
});

describe('LogThrottle', () => {
  it('admits one line per key per window and reports how many it suppressed', () => {
    const throttle = new LogThrottle(1_000);
    expect(throttle.admit('a', 0)).toBe(0);
    expect(throttle.admit('a', 10)).toBeNull();
    expect(throttle.admit('a', 999)).toBeNull();
    expect(throttle.admit('b', 999)).toBe(0);
    expect(throttle.admit('a', 1_000)).toBe(2);
    expect(throttle.admit('a', 2_500)).toBe(0);
  });

  it('forgets the oldest key past its bound', () => {
    const throttle = new LogThrottle(1_000, 2);
    throttle.admit('a', 0);
    throttle.admit('b', 0);
    throttle.admit('c', 0);
    expect(throttle.admit('a', 1)).toBe(0); // 'a' was forgotten, so it is admitted again
    expect(throttle.admit('c', 1)).toBeNull();
  });
});
