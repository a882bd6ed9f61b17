/**
 * The prover pool's deadline policy, pure (no clock, no timers: times are passed in), so it is
 * tested with made-up durations and used unchanged by the pool.
 *
 * A job carries a deadline: the time by which its caller wants the proof. A proof cannot be
 * interrupted and is worth nothing once the caller has given up, so the pool
 * - refuses a job at once when, by the run times measured so far, it would not finish in time
 *   behind the jobs already queued and running (`admit`);
 * - while a job waits, refuses it as soon as the time left is shorter than one run (`canStart`),
 *   and never hands a worker a job that cannot finish;
 * - never ends a running proof because its deadline passed: the work is half done, and ending
 *   it would only waste it (a separate, generous run limit catches a stuck worker).
 * Under overload the queue then holds only jobs that can still finish, and the workers spend
 * their time on proofs that are delivered, so the pool keeps proving at its capacity. Counting
 * queue time against a limit that also killed running proofs did the opposite: the head of a
 * long queue started with seconds left and died mid-proof, and output fell tenfold.
 */

/**
 * Weight of the newest run in the moving average: recent enough to follow a machine that gets
 * busier (a quarter of the estimate comes from the last run, half from the last 2.4 runs),
 * steady enough that one slow proof (a first load, a garbage collection) does not refuse a
 * burst of jobs.
 */
export const RUN_ESTIMATE_WEIGHT = 0.25;

/** Moving average of recent proof run times, per circuit (run time: dispatch to verified proof). */
export class RunTimeEstimates {
  private readonly estimates = new Map<string, number>();

  constructor(private readonly weight = RUN_ESTIMATE_WEIGHT) {
    if (!(weight > 0 && weight <= 1)) throw new RangeError(`the moving average's weight must be in (0, 1], got ${weight}`);
  }

  /** Adds a measured run; returns the new estimate in milliseconds. */
  record(circuit: string, runMs: number): number {
    if (!(runMs >= 0 && Number.isFinite(runMs))) throw new RangeError(`a run time must be a finite number of milliseconds, got ${runMs}`);
    const previous = this.estimates.get(circuit);
    const next = previous === undefined ? runMs : previous + this.weight * (runMs - previous);
    this.estimates.set(circuit, next);
    return next;
  }

  /** The estimated run time of one proof of `circuit`, or null before the first one was measured. */
  get(circuit: string): number | null {
    return this.estimates.get(circuit) ?? null;
  }

  entries(): [string, number][] {
    return [...this.estimates];
  }
}

/**
 * When the next job to be queued would start, in milliseconds from now, if jobs run first in,
 * first out: each worker is free after `workerFreeInMs[i]` (0 when idle), and each queued job,
 * in order, takes the next worker to become free for its estimated run. List scheduling over
 * at most the queue limit of jobs; returns 0 when a worker is free and nothing waits.
 */
export function predictStartDelayMs(workerFreeInMs: readonly number[], queuedRunMs: readonly number[]): number {
  if (workerFreeInMs.length === 0) return Number.POSITIVE_INFINITY;
  const free = workerFreeInMs.map((ms) => Math.max(0, ms));
  for (const runMs of queuedRunMs) {
    let earliest = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[earliest]!) earliest = i;
    free[earliest] = free[earliest]! + Math.max(0, runMs);
  }
  return Math.min(...free);
}

/** What a worker busy with a job of `estimateMs`, started `elapsedMs` ago, still needs (0 when it should be done or no estimate exists). */
export function remainingRunMs(estimateMs: number | null, elapsedMs: number): number {
  return estimateMs === null ? 0 : Math.max(0, estimateMs - elapsedMs);
}

/** Whether a job may start now: with no estimate yet it may (nothing is known against it); else one run must fit before its deadline. */
export function canStart(nowMs: number, deadlineMs: number, estimateMs: number | null): boolean {
  return nowMs + (estimateMs ?? 0) <= deadlineMs;
}

export type AdmissionDecision =
  | { readonly admit: true; readonly predictedStartMs: number }
  | { readonly admit: false; readonly predictedStartMs: number; readonly estimateMs: number };

/**
 * Whether to queue a job with `timeoutMs` to its deadline: refused when it would start after
 * `predictedStartMs` and, by the estimate, not be done by its deadline. Without an estimate
 * (no proof of the circuit measured yet) the job is admitted; canStart decides again when a
 * worker would take it.
 */
export function admit(predictedStartMs: number, timeoutMs: number, estimateMs: number | null): AdmissionDecision {
  if (estimateMs === null || predictedStartMs + estimateMs <= timeoutMs) return { admit: true, predictedStartMs };
  return { admit: false, predictedStartMs, estimateMs };
}

/** When a queued job's time runs out: the last moment it can still start (its deadline less one run). */
export function latestStartMs(deadlineMs: number, estimateMs: number | null): number {
  return deadlineMs - (estimateMs ?? 0);
}
