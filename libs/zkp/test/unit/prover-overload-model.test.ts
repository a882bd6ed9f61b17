// A deterministic model of the prover pool under overload, with made-up proof durations: the
// old policy (one timeout from prove(), queue wait included, that also ended running proofs)
// against the deadline policy of src/prover/admission.ts, whose functions the model calls
// unchanged. Time is virtual; nothing here waits. The real pool with real proofs:
// test/e2e/prover-overload.test.ts and tools/bench/zkp-pool.bench.ts.
import { describe, expect, it } from 'vitest';
import { admit, canStart, predictStartDelayMs, remainingRunMs, RunTimeEstimates } from '../../src/prover/admission.js';

type Policy = 'old: timeout from prove(), running proofs ended' | 'deadline admission';

interface ModelOptions {
  readonly policy: Policy;
  readonly workers: number;
  readonly queueLimit: number;
  readonly timeoutMs: number;
  /** Mean proof duration; each proof varies by up to ±10 % (seeded). */
  readonly proofMs: number;
  /** Offered load as a multiple of capacity (workers / proofMs). */
  readonly offered: number;
  readonly jobs: number;
}

interface ModelResult {
  /** Proofs delivered per second over the run, as a share of capacity. */
  readonly goodputShare: number;
  readonly delivered: number;
  readonly deliveredLate: number;
  /** Proofs ended while running: their work was thrown away. */
  readonly killedRunning: number;
  readonly refusedAtAdmission: number;
  readonly refusedWaiting: number;
  readonly queueFull: number;
  /** Share of worker time spent on proofs that were thrown away. */
  readonly wastedShare: number;
}

interface ModelJob {
  readonly id: number;
  readonly arrivalMs: number;
  readonly deadlineMs: number;
  readonly runMs: number;
}

/** A small seeded generator (LCG), so every run of the model is the same. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function runModel(options: ModelOptions): ModelResult {
  const random = seeded(7);
  const intervalMs = options.proofMs / options.workers / options.offered;
  const jobs: ModelJob[] = Array.from({ length: options.jobs }, (_, id) => ({
    id,
    arrivalMs: id * intervalMs,
    deadlineMs: id * intervalMs + options.timeoutMs,
    runMs: options.proofMs * (0.9 + 0.2 * random()),
  }));
  const estimates = new RunTimeEstimates();
  const workers: ({ job: ModelJob; startedMs: number } | null)[] = Array.from({ length: options.workers }, () => null);
  const queue: ModelJob[] = [];
  const counts = { delivered: 0, deliveredLate: 0, killedRunning: 0, refusedAtAdmission: 0, refusedWaiting: 0, queueFull: 0, busyMs: 0, wastedMs: 0 };
  const old = options.policy !== 'deadline admission';
  let next = 0;
  let nowMs = 0;

  const dispatch = () => {
    for (let w = 0; w < workers.length; w++) {
      if (workers[w] !== null) continue;
      let job = queue.shift();
      // The deadline policy never starts a job that cannot finish; the old one started anything queued.
      while (!old && job !== undefined && !canStart(nowMs, job.deadlineMs, estimates.get('c'))) {
        counts.refusedWaiting += 1;
        job = queue.shift();
      }
      if (job === undefined) return;
      workers[w] = { job, startedMs: nowMs };
    }
  };

  // Event loop over virtual time: the next arrival, proof completion or (old policy) expiry.
  for (let steps = 0; steps < 100 * options.jobs; steps++) {
    const arrivalAt = next < jobs.length ? jobs[next]!.arrivalMs : Infinity;
    const completions = workers.map((slot) => (slot === null ? Infinity : slot.startedMs + slot.job.runMs));
    const completionAt = Math.min(...completions);
    const expiries = old ? [...workers.map((slot) => slot?.job.deadlineMs ?? Infinity), ...queue.map((job) => job.deadlineMs)] : [];
    const expiryAt = Math.min(Infinity, ...expiries);
    nowMs = Math.min(arrivalAt, completionAt, expiryAt);
    if (nowMs === Infinity) break;
    if (completionAt === nowMs) {
      const w = completions.indexOf(completionAt);
      const { job, startedMs } = workers[w]!;
      workers[w] = null;
      counts.busyMs += nowMs - startedMs;
      counts.delivered += 1;
      if (nowMs > job.deadlineMs) counts.deliveredLate += 1;
      estimates.record('c', nowMs - startedMs);
    } else if (expiryAt === nowMs) {
      // Old policy: the job's single timeout fires, wherever the job is.
      const w = workers.findIndex((slot) => slot?.job.deadlineMs === nowMs);
      if (w >= 0) {
        counts.killedRunning += 1;
        counts.busyMs += nowMs - workers[w]!.startedMs;
        counts.wastedMs += nowMs - workers[w]!.startedMs;
        workers[w] = null;
      } else {
        queue.splice(queue.findIndex((job) => job.deadlineMs === nowMs), 1);
      }
    } else {
      const job = jobs[next++]!;
      if (queue.length >= options.queueLimit) {
        counts.queueFull += 1;
      } else if (old) {
        queue.push(job);
      } else {
        const freeIn = workers.map((slot) => (slot === null ? 0 : remainingRunMs(estimates.get('c'), nowMs - slot.startedMs)));
        const predicted = predictStartDelayMs(freeIn, queue.map(() => estimates.get('c') ?? 0));
        if (admit(predicted, options.timeoutMs, estimates.get('c')).admit) queue.push(job);
        else counts.refusedAtAdmission += 1;
      }
    }
    dispatch();
  }
  const capacityPerMs = options.workers / options.proofMs;
  const durationMs = jobs.at(-1)!.arrivalMs;
  return {
    goodputShare: (counts.delivered - counts.deliveredLate) / durationMs / capacityPerMs,
    delivered: counts.delivered,
    deliveredLate: counts.deliveredLate,
    killedRunning: counts.killedRunning,
    refusedAtAdmission: counts.refusedAtAdmission,
    refusedWaiting: counts.refusedWaiting,
    queueFull: counts.queueFull,
    wastedShare: counts.wastedMs / Math.max(1, counts.busyMs),
  };
}

/** The issue's case: two workers, a queue of 64, 7.8 s proofs, the default 60 s timeout. */
const ISSUE_CASE = { workers: 2, queueLimit: 64, timeoutMs: 60_000, proofMs: 7_800, jobs: 2_000 } as const;

describe('the prover pool under overload (deterministic model)', () => {
  it.each([1.17, 1.5])('the old policy collapses at %fx capacity: the head of the queue starts with seconds left and is ended mid-proof', (offered) => {
    const result = runModel({ ...ISSUE_CASE, offered, policy: 'old: timeout from prove(), running proofs ended' });
    expect(result.goodputShare).toBeLessThan(0.2);
    expect(result.killedRunning).toBeGreaterThan(result.delivered);
    expect(result.wastedShare).toBeGreaterThan(0.5);
  });

  it.each([1.17, 1.5, 3])('the deadline policy keeps delivering at capacity at %fx, refusing the excess before it runs', (offered) => {
    const result = runModel({ ...ISSUE_CASE, offered, policy: 'deadline admission' });
    expect(result.goodputShare).toBeGreaterThan(0.95);
    expect(result.killedRunning).toBe(0);
    expect(result.wastedShare).toBe(0);
    // The excess is refused before it runs, most of it at once when it arrives.
    expect(result.delivered + result.refusedAtAdmission + result.refusedWaiting + result.queueFull).toBe(ISSUE_CASE.jobs);
    expect(result.refusedAtAdmission).toBeGreaterThan(result.refusedWaiting);
    // Proofs that run past the deadline are rare: only the estimate's error lets one through.
    expect(result.deliveredLate).toBeLessThan(0.05 * result.delivered);
  });

  it('below capacity both policies deliver every proof in time', () => {
    for (const policy of ['old: timeout from prove(), running proofs ended', 'deadline admission'] as const) {
      const result = runModel({ ...ISSUE_CASE, jobs: 500, offered: 0.8, policy });
      expect(result, policy).toMatchObject({ delivered: 500, deliveredLate: 0, killedRunning: 0, refusedAtAdmission: 0, queueFull: 0 });
    }
  });
});

describe('the deadline policy, piece by piece', () => {
  it('predicts the start of the next job by list scheduling the queue over the workers', () => {
    expect(predictStartDelayMs([0, 0], [])).toBe(0);
    expect(predictStartDelayMs([300, 100], [])).toBe(100);
    expect(predictStartDelayMs([300, 100], [500])).toBe(300);
    expect(predictStartDelayMs([300, 100], [500, 500])).toBe(600);
    expect(predictStartDelayMs([], [1])).toBe(Infinity);
    expect(remainingRunMs(1000, 400)).toBe(600);
    expect(remainingRunMs(1000, 1400)).toBe(0);
    expect(remainingRunMs(null, 400)).toBe(0);
  });

  it('admits without an estimate, and with one only what finishes before the deadline', () => {
    expect(admit(50_000, 60_000, null)).toEqual({ admit: true, predictedStartMs: 50_000 });
    expect(admit(50_000, 60_000, 10_000)).toEqual({ admit: true, predictedStartMs: 50_000 });
    expect(admit(50_001, 60_000, 10_000)).toEqual({ admit: false, predictedStartMs: 50_001, estimateMs: 10_000 });
    expect(canStart(50_000, 60_000, 10_000)).toBe(true);
    expect(canStart(50_001, 60_000, 10_000)).toBe(false);
    expect(canStart(60_000, 60_000, null)).toBe(true);
  });

  it('estimates run time by a moving average per circuit that follows a slower machine', () => {
    const estimates = new RunTimeEstimates(0.25);
    expect(estimates.get('settlement-4')).toBeNull();
    expect(estimates.record('settlement-4', 1000)).toBe(1000);
    expect(estimates.record('settlement-4', 2000)).toBe(1250);
    for (let i = 0; i < 20; i++) estimates.record('settlement-4', 2000);
    expect(estimates.get('settlement-4')).toBeGreaterThan(1990);
    expect(estimates.get('settlement-64')).toBeNull();
    expect(() => estimates.record('settlement-4', Number.NaN)).toThrow(RangeError);
    expect(() => new RunTimeEstimates(0)).toThrow(RangeError);
  });
});
