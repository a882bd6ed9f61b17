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

/**
 * A running proof went past the pool's run limit (`runTimeoutMs`): a stuck worker, whose thread
 * is terminated and replaced. A job's own timeout never ends a running proof (ProofDeadlineError
 * refuses a job before it runs instead). `phase` is always 'running' now; kept for callers.
 */
export class ProofTimeoutError extends ProverError {
  override readonly name = 'ProofTimeoutError';
  readonly outcome = 'timeout' as const;
  constructor(
    readonly timeoutMs: number,
    readonly phase: 'queued' | 'running' = 'running',
  ) {
    super(`proof job ran longer than the run limit of ${timeoutMs} ms (${phase === 'queued' ? 'still waiting for a worker' : 'while proving'}): its worker is replaced`);
  }
}

/**
 * The job could not have finished within its timeout, so it was refused before it ran: when it
 * arrived (`stage: 'admission'`: the queue ahead and the estimated run time leave too little
 * time) or while it waited (`'queued'`: its time left fell below one run). Retry later, or with
 * a longer timeout. `estimatedRunMs` is the pool's moving average of recent proofs of the
 * circuit.
 */
export class ProofDeadlineError extends ProverError {
  override readonly name = 'ProofDeadlineError';
  readonly outcome = 'rejected' as const;
  constructor(
    readonly stage: 'admission' | 'queued',
    readonly timeoutMs: number,
    readonly estimatedRunMs: number,
    /** Milliseconds until the job would have started (admission), or were left when it was refused (queued). */
    readonly startInMs: number,
  ) {
    super(
      stage === 'admission'
        ? `refused at once: a proof takes about ${Math.round(estimatedRunMs)} ms and a worker would take this job in about ${Math.round(startInMs)} ms, after its timeout of ${timeoutMs} ms; retry later or with a longer timeout`
        : `refused while waiting for a worker: ${Math.round(startInMs)} ms of its ${timeoutMs} ms timeout were left, less than one proof (about ${Math.round(estimatedRunMs)} ms); retry later or with a longer timeout`,
    );
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
  override readonly name: string = 'ProverArtifactError';
  readonly outcome = 'failed' as const;
}

/**
 * A worker read a circuit's wasm or proving key whose sha256 differs from the pin the job gave
 * (genesis's): the file was swapped or damaged under the running node. Nothing was proved.
 */
export class KeyPinMismatchError extends ProverArtifactError {
  override readonly name = 'KeyPinMismatchError';
  constructor(
    readonly artifact: 'wasm' | 'zkey',
    readonly path: string,
    readonly pinnedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`${path} (the circuit's ${artifact}) has sha256 ${actualSha256}, its genesis pin is ${pinnedSha256}: the file was swapped or damaged; refusing to prove with it`);
  }
}

/**
 * The proof the worker made does not verify against the pinned verification key: the proving
 * key does not belong to it (tampered, or from another setup). The proof is dropped, never
 * handed out: a tampered proving key could make proofs that leak the witness.
 */
export class ProofSelfVerificationError extends ProverError {
  override readonly name = 'ProofSelfVerificationError';
  readonly outcome = 'failed' as const;
  constructor(
    readonly circuit: string,
    readonly epoch: number,
    /** Why it did not verify: the verifier's error class name (InvalidProofError, PointNotOnCurveError, ...). */
    readonly reason: string,
  ) {
    super(`the ${circuit} proof the prover made does not verify against the pinned verification key of epoch ${epoch} (${reason}): the proving key does not match its pin; the proof was dropped`);
  }
}

/**
 * A worker thread died (an uncaught error, running out of memory, an unexpected exit) or could
 * not start. The job it was running fails; the pool replaces the worker.
 */
export class ProverWorkerError extends ProverError {
  override readonly name = 'ProverWorkerError';
  readonly outcome = 'failed' as const;
}
