/**
 * One class per way a proof job can end without a proof (js-libp2p's pattern): callers branch
 * on the class or on `name`, never on message text. `outcome` is the job's value of the
 * `consortium_zkp_proofs_total` outcome label.
 */

export type ProofOutcome = 'proved' | 'failed' | 'timeout' | 'cancelled' | 'rejected';

export abstract class ProverError extends Error {
  abstract readonly outcome: Exclude<ProofOutcome, 'proved'>;
}

/** The queue holds `queueLimit` jobs already: the caller may retry later or await `whenCapacity()`. */
export class ProverQueueFullError extends ProverError {
  override readonly name = 'ProverQueueFullError';
  readonly outcome = 'rejected' as const;
  constructor(readonly queueLimit: number) {
    super(`the prover queue is full (${queueLimit} jobs waiting); retry later or await whenCapacity()`);
  }
}

/** The job did not finish within its timeout (counted from `prove()`, queue wait included). */
export class ProofTimeoutError extends ProverError {
  override readonly name = 'ProofTimeoutError';
  readonly outcome = 'timeout' as const;
  constructor(
    readonly timeoutMs: number,
    readonly phase: 'queued' | 'running',
  ) {
    super(`proof job timed out after ${timeoutMs} ms (${phase === 'queued' ? 'still waiting for a worker' : 'while proving'})`);
  }
}

/** The caller's AbortSignal fired before the proof was ready. */
export class ProofCancelledError extends ProverError {
  override readonly name = 'ProofCancelledError';
  readonly outcome = 'cancelled' as const;
  constructor(
    readonly phase: 'queued' | 'running',
    readonly reason?: unknown,
  ) {
    super(`proof job cancelled (${phase === 'queued' ? 'while waiting for a worker' : 'while proving'})`);
  }
}

/** The pool is closed (or closing): queued jobs are dropped and new ones refused. */
export class ProverClosedError extends ProverError {
  override readonly name = 'ProverClosedError';
  readonly outcome = 'cancelled' as const;
  constructor(message = 'the prover pool is closed') {
    super(message);
  }
}

/**
 * The input does not satisfy the circuit: the witness calculator refused it (a failed
 * constraint assertion such as a wrong total, a missing or extra signal). Retrying cannot help.
 * `detail` is what the witness calculator printed (circom's template and line), at most 4 KiB.
 */
export class WitnessError extends ProverError {
  override readonly name = 'WitnessError';
  readonly outcome = 'failed' as const;
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/** The circuit's wasm or zkey could not be read, or they do not belong together. */
export class ProverArtifactError extends ProverError {
  override readonly name = 'ProverArtifactError';
  readonly outcome = 'failed' as const;
}

/**
 * A worker thread died (an uncaught error, running out of memory, an unexpected exit) or could
 * not start. The job it was running fails; the pool replaces the worker.
 */
export class ProverWorkerError extends ProverError {
  override readonly name = 'ProverWorkerError';
  readonly outcome = 'failed' as const;
}
