import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { context, trace, type Span, type SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { circuitDefinition } from '@consortium/circuits';
import type { Logger, ZkpMetrics } from '@consortium/telemetry';
import type { VerificationKey } from '../groth16-json.js';
import type { SettlementProof } from '../proof.js';
import { parseVerificationKey } from '../verifier/keys.js';
import { admit, canStart, latestStartMs, predictStartDelayMs, remainingRunMs, RunTimeEstimates } from './admission.js';
import { BoundedQueue } from './bounded-queue.js';
import {
  DEFAULT_MAX_CACHED_FILES,
  DEFAULT_PROOF_TIMEOUT_MS,
  DEFAULT_QUEUE_LIMIT,
  DEFAULT_RUN_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_WORKER_START_TIMEOUT_MS,
  MAX_CONSECUTIVE_START_FAILURES,
  MAX_QUEUE_LIMIT,
  MAX_WORKERS,
} from './constants.js';
import {
  KeyPinMismatchError,
  ProofCancelledError,
  ProofDeadlineError,
  ProofSelfVerificationError,
  ProofTimeoutError,
  ProverArtifactError,
  ProverClosedError,
  ProverQueueFullError,
  ProverWorkerError,
  WitnessError,
  type ProofOutcome,
  type ProverError,
} from './errors.js';
import { isWorkerToPool, type FailedMessage, type PoolToWorker, type ProvedMessage, type ProverWorkerData, type WorkerToPool } from './protocol.js';
import { ProofSelfCheck } from './self-check.js';

/**
 * Groth16 proving off the event loop: a fixed number of `node:worker_threads` workers, each
 * proving one job at a time with snarkjs (single-threaded by default: the pool is the
 * parallelism), fed first in, first out from a bounded queue under a deadline policy
 * (admission.ts).
 *
 * - Deadlines: a job's timeout is the time by which its caller wants the proof. A job that, by
 *   the run times of recent proofs of its circuit, cannot finish in time is refused before it
 *   runs with ProofDeadlineError: at once when it arrives, or as soon as its time left is
 *   shorter than one proof while it waits. A worker never starts a job that cannot finish, and
 *   a running proof is never ended by its deadline: under overload the workers stay on proofs
 *   that are delivered, so the pool keeps proving at its capacity.
 * - Backpressure: `prove()` rejects at once with ProverQueueFullError when `queueLimit` jobs
 *   wait already; `queueFree`, `whenCapacity()` and `whenIdle()` let a caller wait instead.
 * - Pinned keys: a job carries the genesis pins of its wasm and zkey; the worker hashes every
 *   file it reads and refuses one that differs (KeyPinMismatchError). Every proof is verified
 *   against the job's pinned verification key before it leaves the pool; one that does not
 *   verify is dropped (ProofSelfVerificationError), so a tampered proving key never publishes
 *   a proof.
 * - A proof cannot be interrupted: cancelling a running job (its AbortSignal), or a proof past
 *   the run limit (`runTimeoutMs`, a stuck worker), terminates its worker thread and starts a
 *   fresh one: the pool keeps its size.
 * - A worker that dies fails its job with ProverWorkerError and is replaced. Workers that keep
 *   failing to start make the pool refuse work rather than respawn threads in a loop.
 * - `close()` (or `stop()`) drops queued jobs, ends or awaits running ones and ends every
 *   thread: nothing of the pool keeps the process alive afterwards.
 *
 * Why not piscina: docs/decisions.md ("Prover pool: deadline admission, kept hand-written").
 */

export interface ProveJob {
  /** A circuit of the @consortium/circuits catalogue (a metric label: the set is bounded). */
  readonly circuit: string;
  /** Key epoch of the zkey, carried into the proof for the verifier's key lookup. */
  readonly epoch: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /**
   * The proving key in memory (a sealed key opened with the HSM, loadEpoch): workers prove from
   * these bytes, never from zkeyPath. Each worker receives them once and checks them against
   * zkeySha256.
   */
  readonly zkeyBytes?: Uint8Array;
  /** The genesis pins (sha256, hex) of the two files: the worker refuses a file that differs. */
  readonly wasmSha256: string;
  readonly zkeySha256: string;
  /** The pinned verification key: the proof is verified against it before it leaves the pool. Pass the same object for every job of a circuit (it is prepared once). */
  readonly vkey: VerificationKey;
  /** The witness calculator's input (e.g. `buildSettlementWitness(...).input`). */
  readonly input: Readonly<Record<string, unknown>>;
  /**
   * The proof is wanted within this many milliseconds of `prove()` (default: the pool's
   * `defaultTimeoutMs`). A job that cannot finish by then is refused before it runs
   * (ProofDeadlineError); a running proof is never ended by it.
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ProverPoolOptions {
  /** Worker threads; `os.availableParallelism()` when absent. */
  readonly workers?: number;
  /** Jobs that may wait for a worker (running ones not counted), 1 to MAX_QUEUE_LIMIT; DEFAULT_QUEUE_LIMIT when absent. */
  readonly queueLimit?: number;
  /** A job's deadline when it names none. */
  readonly defaultTimeoutMs?: number;
  /** How long one proof may run before its worker counts as stuck and is replaced (ProofTimeoutError). */
  readonly runTimeoutMs?: number;
  /** Each worker proves with snarkjs in single-thread mode (default true). */
  readonly singleThreadedWorkers?: boolean;
  readonly metrics?: ZkpMetrics | null;
  readonly tracer?: Tracer | null;
  readonly logger?: Logger | null;
  readonly workerStartTimeoutMs?: number;
  readonly shutdownGraceMs?: number;
  /** wasm and zkey files each worker keeps in memory. */
  readonly maxCachedFiles?: number;
  /** V8 heap limits of each worker thread (running out fails the job and replaces the worker). */
  readonly resourceLimits?: ResourceLimits;
  /** A worker script speaking protocol.ts in place of prover-worker.js (tests). */
  readonly workerUrl?: URL;
}

export interface CloseOptions {
  /** What happens to running jobs: fail them at once with ProverClosedError (default), or let them finish. */
  readonly running?: 'terminate' | 'wait';
}

/** The prover worker threads' own isolates, summed over the running workers (bytes). */
export interface ProverWorkerMemory {
  readonly used: number;
  readonly total: number;
  /** The curve's and the witness calculators' wasm memories and the key buffers live here. */
  readonly external: number;
  readonly malloced: number;
}

export interface ProverPoolStatus {
  readonly started: boolean;
  readonly closed: boolean;
  /** Workers kept failing to start and the pool refuses every job (a readiness check should fail). */
  readonly broken: boolean;
  readonly workers: { readonly starting: number; readonly idle: number; readonly busy: number };
  readonly queueDepth: number;
  readonly queueLimit: number;
  /** Worker threads started since the pool was made, replacements included. */
  readonly workersStarted: number;
  /** Worker threads whose exit has been seen; equals workersStarted once close() resolves. */
  readonly workersExited: number;
  /** The estimated run time of one proof, by circuit (moving average of recent runs; circuits not yet proved are absent). */
  readonly runEstimatesMs: Readonly<Record<string, number>>;
}

type SlotState = 'starting' | 'idle' | 'busy' | 'retired';

interface WorkerSlot {
  readonly serial: number;
  readonly worker: Worker;
  state: SlotState;
  job: Job | null;
  startTimer: NodeJS.Timeout | null;
  readonly ready: PromiseWithResolvers<void>;
  readonly exited: Promise<void>;
  /** Pins of the in-memory proving keys this worker was given (a job's zkeyBytes go to a worker once). */
  readonly givenKeys: Set<string>;
}

interface Job {
  readonly id: number;
  readonly request: ProveJob;
  readonly timeoutMs: number;
  readonly submittedMs: number;
  /** submittedMs + timeoutMs: when the caller wants the proof by. */
  readonly deadlineMs: number;
  readonly result: PromiseWithResolvers<SettlementProof>;
  readonly span: Span | null;
  state: 'new' | 'queued' | 'running' | 'done';
  slot: WorkerSlot | null;
  startedMs: number | null;
  /** Queued: when its time to start runs out. Running: the run limit. */
  timer: NodeJS.Timeout | null;
  onAbort: (() => void) | null;
}

interface Waiter {
  readonly ready: () => boolean;
  readonly result: PromiseWithResolvers<void>;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

// Plain JavaScript (ESM by the package's "type"), next to this file in src/ and, copied by the
// build, in dist/: vitest and plain Node load it alike.
const WORKER_URL = new URL('./prover-worker.js', import.meta.url);
/** SpanStatusCode.ERROR (a const enum in @opentelemetry/api's types). */
const SPAN_STATUS_ERROR = 2 as SpanStatusCode.ERROR;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const noop = () => undefined;

export class ProverPool {
  readonly workerCount: number;
  readonly queueLimit: number;
  readonly defaultTimeoutMs: number;
  readonly runTimeoutMs: number;
  readonly singleThreadedWorkers: boolean;

  private readonly options: ProverPoolOptions;
  private readonly metrics: ZkpMetrics | null;
  private readonly tracer: Tracer | null;
  private readonly logger: Logger | null;
  private readonly queue: BoundedQueue<Job>;
  private readonly estimates = new RunTimeEstimates();
  private readonly selfCheck = new ProofSelfCheck();
  /** Verification keys whose structure has been checked (a job's key is checked once, not per job). */
  private readonly checkedKeys = new WeakSet<object>();
  private readonly slots = new Set<WorkerSlot>();
  /** Exits of every thread ever started; close() awaits those still pending. */
  private readonly exits = new Set<Promise<void>>();
  private readonly waiters = new Set<Waiter>();
  private nextJobId = 1;
  private workersStarted = 0;
  private workersExited = 0;
  private consecutiveStartFailures = 0;
  private broken: ProverWorkerError | null = null;
  private started = false;
  /** Every first worker became ready: from now on a worker that fails to start is replaced. */
  private startedUp = false;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: ProverPoolOptions = {}) {
    this.options = options;
    this.workerCount = options.workers ?? availableParallelism();
    if (!Number.isSafeInteger(this.workerCount) || this.workerCount < 1 || this.workerCount > MAX_WORKERS) {
      throw new RangeError(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${this.workerCount}`);
    }
    this.queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    // A limit of 0 would refuse every job that finds the workers busy: refused here, once, rather than by every prove().
    if (!Number.isSafeInteger(this.queueLimit) || this.queueLimit < 1 || this.queueLimit > MAX_QUEUE_LIMIT) {
      throw new RangeError(`queueLimit must be an integer from 1 to ${MAX_QUEUE_LIMIT}, got ${this.queueLimit}`);
    }
    this.queue = new BoundedQueue(this.queueLimit);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS;
    assertTimeout(this.defaultTimeoutMs, 'defaultTimeoutMs');
    this.runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    assertTimeout(this.runTimeoutMs, 'runTimeoutMs');
    this.singleThreadedWorkers = options.singleThreadedWorkers ?? true;
    this.metrics = options.metrics ?? null;
    this.tracer = options.tracer ?? null;
    this.logger = options.logger ?? null;
  }

  /** Makes a pool and waits until every worker has loaded snarkjs. */
  static async create(options: ProverPoolOptions = {}): Promise<ProverPool> {
    const pool = new ProverPool(options);
    await pool.start();
    return pool;
  }

  // --- lifecycle (js-libp2p's Startable) ------------------------------------------------------

  /** Starts the workers and the proof self-check; resolves once all are ready; rejects (and closes) if one cannot start. */
  async start(): Promise<void> {
    if (this.closed) throw new ProverClosedError('a closed prover pool cannot start again');
    if (this.started) return;
    this.started = true;
    try {
      const slots = Array.from({ length: this.workerCount }, () => this.spawn());
      this.updateGauges();
      await Promise.all([...slots.map((slot) => slot.ready.promise), this.selfCheck.start()]);
    } catch (error) {
      await this.close();
      throw error;
    }
    this.startedUp = true;
    this.logger?.info({ workers: this.workerCount, queueLimit: this.queueLimit, singleThreaded: this.singleThreadedWorkers }, 'prover pool started');
  }

  async stop(): Promise<void> {
    await this.close();
  }

  /**
   * Refuses new jobs, rejects queued ones with ProverClosedError, fails (default) or awaits the
   * running ones, and ends every worker thread: each may release snarkjs's curve and exit within
   * `shutdownGraceMs`, then it is terminated. Safe to call more than once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.running ?? 'terminate');
    return this.closing;
  }

  private async shutdown(running: 'terminate' | 'wait'): Promise<void> {
    this.closed = true;
    for (const job of this.queue.drain()) this.settleFailure(job, new ProverClosedError('the prover pool closed before the job started'));
    if (running === 'wait') await this.runningJobsDone();
    for (const waiter of this.waiters) this.settleWaiter(waiter, new ProverClosedError());
    const grace = this.options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    const retiring = [...this.slots].map((slot) => {
      const job = slot.job;
      if (job === null) return this.retire(slot, grace);
      // A proof cannot be interrupted: its thread is terminated without a grace period.
      this.settleFailure(job, new ProverClosedError('the prover pool closed while the job was running'));
      return this.retire(slot, 0);
    });
    await Promise.all(retiring);
    await Promise.all(this.exits);
    await this.selfCheck.close();
    this.updateGauges();
    this.logger?.info({ workersStarted: this.workersStarted }, 'prover pool closed');
  }

  // --- jobs -----------------------------------------------------------------------------------

  /**
   * Queues a proof job (first in, first out) and resolves with the proof, verified against the
   * job's pinned verification key. Rejects with ProverQueueFullError at once when the queue is
   * full, ProofDeadlineError when the job cannot finish within its timeout (at once, or while
   * it waits), ProofCancelledError, ProverClosedError, WitnessError (the input does not
   * satisfy the circuit), KeyPinMismatchError (a file differs from its pin), other
   * ProverArtifactErrors, ProofSelfVerificationError (the proof does not verify: the proving
   * key does not match its pin), ProofTimeoutError (a stuck worker) or ProverWorkerError; with
   * UnknownCircuitError, RangeError or VerificationKeyError for a malformed job.
   */
  prove(request: ProveJob): Promise<SettlementProof> {
    const problem = this.jobProblem(request);
    if (problem !== null) return Promise.reject(problem);
    if (this.closed || !this.started) {
      return Promise.reject(new ProverClosedError(this.closed ? 'the prover pool is closed' : 'the prover pool is not started: call start() or use ProverPool.create()'));
    }
    if (this.broken !== null) return Promise.reject(new ProverWorkerError(this.broken.message, { cause: this.broken }));
    const job = this.createJob(request);
    const refusal = this.admission(job);
    if (refusal !== null) {
      this.settleFailure(job, refusal);
      return job.result.promise;
    }
    job.state = 'queued';
    this.queue.push(job);
    this.armQueuedJob(job);
    this.pump();
    return job.result.promise;
  }

  /** Jobs waiting for a worker. */
  get queueDepth(): number {
    return this.queue.size;
  }

  /** Jobs `prove()` accepts right now before refusing with ProverQueueFullError. */
  get queueFree(): number {
    return this.queue.free;
  }

  /** Jobs being proved. */
  get running(): number {
    let busy = 0;
    for (const slot of this.slots) if (slot.state === 'busy') busy += 1;
    return busy;
  }

  /** The estimated run time of one proof of `circuit` in milliseconds (moving average of recent runs), or null before its first. */
  runEstimateMs(circuit: string): number | null {
    return this.estimates.get(circuit);
  }

  status(): ProverPoolStatus {
    const workers = { starting: 0, idle: 0, busy: 0 };
    for (const slot of this.slots) if (slot.state !== 'retired') workers[slot.state] += 1;
    return {
      started: this.started,
      closed: this.closed,
      broken: this.broken !== null,
      workers,
      queueDepth: this.queue.size,
      queueLimit: this.queueLimit,
      workersStarted: this.workersStarted,
      workersExited: this.workersExited,
      runEstimatesMs: Object.fromEntries(this.estimates.entries()),
    };
  }

  /**
   * The worker threads' memory, which the process's heap figures leave out: each worker is its
   * own V8 isolate, with the curve's and the witness calculators' wasm memories in its external
   * memory. Sets consortium_zkp_prover_worker_memory_bytes. Each read is an interrupt in the
   * worker (a proof in progress goes on); a worker that exits meanwhile is left out.
   */
  async sampleWorkerMemory(): Promise<ProverWorkerMemory> {
    const running = [...this.slots].filter((slot) => slot.state !== 'retired');
    const reads = await Promise.allSettled(running.map((slot) => slot.worker.getHeapStatistics()));
    const memory = { used: 0, total: 0, external: 0, malloced: 0 };
    for (const read of reads) {
      if (read.status === 'rejected') continue;
      memory.used += read.value.used_heap_size;
      memory.total += read.value.total_heap_size;
      memory.external += read.value.external_memory;
      memory.malloced += read.value.malloced_memory;
    }
    if (this.metrics !== null) for (const kind of ['used', 'total', 'external', 'malloced'] as const) this.metrics.proverWorkerMemoryBytes.set({ kind }, memory[kind]);
    return memory;
  }

  /**
   * Resolves when the queue has a free place (at once if it has one). Several waiters may race
   * for one place: `prove()` can still refuse. Rejects with ProverClosedError when the pool
   * closes, or with the signal's reason.
   */
  whenCapacity(signal?: AbortSignal): Promise<void> {
    return this.waitFor(() => this.queue.free > 0, signal);
  }

  /** Resolves when no job waits or runs. Rejects with ProverClosedError when the pool closes, or with the signal's reason. */
  whenIdle(signal?: AbortSignal): Promise<void> {
    return this.waitFor(() => this.queue.size === 0 && this.running === 0, signal);
  }

  private createJob(request: ProveJob): Job {
    const span = this.tracer?.startSpan('zkp.prove', { attributes: { 'zkp.circuit': request.circuit, 'zkp.epoch': request.epoch } }) ?? null;
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const submittedMs = performance.now();
    return {
      id: this.nextJobId++,
      request,
      timeoutMs,
      submittedMs,
      deadlineMs: submittedMs + timeoutMs,
      result: Promise.withResolvers<SettlementProof>(),
      span,
      state: 'new',
      slot: null,
      startedMs: null,
      timer: null,
      onAbort: null,
    };
  }

  /** A child span of the job's zkp.prove span. */
  private childSpan(job: Job, name: 'zkp.admission' | 'zkp.self_verify', attributes: Record<string, string | number | boolean>): Span | null {
    if (this.tracer === null) return null;
    const parent = job.span === null ? context.active() : trace.setSpan(context.active(), job.span);
    return this.tracer.startSpan(name, { attributes }, parent);
  }

  /**
   * Whether the job may queue: there is a place, and by the estimated run time of its circuit
   * it can finish before its deadline behind the jobs queued and running (admission.ts). The
   * refusal, or null.
   */
  private admission(job: Job): ProverError | null {
    const { circuit } = job.request;
    const span = this.childSpan(job, 'zkp.admission', { 'zkp.circuit': circuit, 'zkp.timeout_ms': job.timeoutMs });
    try {
      if (this.queue.free === 0) {
        this.metrics?.proverRejectedTotal.inc({ circuit, reason: 'queue_full' });
        span?.setAttributes({ 'zkp.admitted': false, 'zkp.reason': 'queue_full' });
        return new ProverQueueFullError(this.queueLimit);
      }
      const estimateMs = this.estimates.get(circuit);
      const predictedStartMs = this.predictedStartMs(job.submittedMs);
      span?.setAttributes({ 'zkp.predicted_start_ms': round(predictedStartMs), ...(estimateMs === null ? {} : { 'zkp.estimate_ms': round(estimateMs) }) });
      const decision = admit(predictedStartMs, job.timeoutMs, estimateMs);
      if (decision.admit) {
        span?.setAttribute('zkp.admitted', true);
        return null;
      }
      this.metrics?.proverRejectedTotal.inc({ circuit, reason: 'deadline_at_admission' });
      span?.setAttributes({ 'zkp.admitted': false, 'zkp.reason': 'deadline_at_admission' });
      return new ProofDeadlineError('admission', job.timeoutMs, decision.estimateMs, decision.predictedStartMs);
    } finally {
      span?.end();
    }
  }

  /** When a job queued now would get a worker, in ms from `nowMs`: the running jobs' remaining estimated time, then the queue ahead. */
  private predictedStartMs(nowMs: number): number {
    const freeInMs: number[] = [];
    for (const slot of this.slots) {
      if (slot.state === 'retired') continue;
      const job = slot.job;
      freeInMs.push(job === null || job.startedMs === null ? 0 : remainingRunMs(this.estimates.get(job.request.circuit), nowMs - job.startedMs));
    }
    const queued = [...this.queue.values()].map((job) => this.estimates.get(job.request.circuit) ?? 0);
    return predictStartDelayMs(freeInMs, queued);
  }

  /** Listens to the job's signal (an already aborted one ends it now) and sets the timer of its last moment to start. */
  private armQueuedJob(job: Job): void {
    this.armStartDeadline(job);
    const signal = job.request.signal;
    if (signal === undefined) return;
    const cancel = () => this.endJob(job, new ProofCancelledError(job.state === 'running' ? 'running' : 'queued', signal.reason));
    if (signal.aborted) {
      cancel();
      return;
    }
    job.onAbort = cancel;
    signal.addEventListener('abort', cancel, { once: true });
  }

  /**
   * A queued job is refused once it can no longer finish before its deadline: the timer fires
   * at the last moment it could start by the current estimate, and checks again (the estimate
   * may have changed while it waited).
   */
  private armStartDeadline(job: Job): void {
    const estimateMs = this.estimates.get(job.request.circuit);
    const delayMs = Math.max(1, Math.ceil(latestStartMs(job.deadlineMs, estimateMs) - performance.now()));
    job.timer = setTimeout(() => {
      job.timer = null;
      if (job.state !== 'queued') return;
      if (canStart(performance.now(), job.deadlineMs, this.estimates.get(job.request.circuit))) this.armStartDeadline(job);
      else this.refuseLate(job);
    }, Math.min(delayMs, MAX_TIMEOUT_MS));
  }

  /** A queued job that can no longer finish in time leaves the queue with ProofDeadlineError. */
  private refuseLate(job: Job): void {
    const nowMs = performance.now();
    this.metrics?.proverRejectedTotal.inc({ circuit: job.request.circuit, reason: 'deadline_in_queue' });
    this.settleFailure(job, new ProofDeadlineError('queued', job.timeoutMs, this.estimates.get(job.request.circuit) ?? 0, Math.max(0, job.deadlineMs - nowMs)));
    this.updateGauges();
    this.notifyWaiters();
  }

  /** Ends a job from outside its worker (cancellation, the run limit): a running job's worker is replaced. */
  private endJob(job: Job, error: ProverError): void {
    if (job.state === 'done') return;
    const slot = job.slot;
    this.settleFailure(job, error);
    if (slot !== null) {
      this.logger?.warn({ circuit: job.request.circuit, epoch: job.request.epoch, worker: slot.serial, reason: error.name }, 'proof job ended while running: replacing its worker');
      this.retireInBackground(slot);
      this.metrics?.proverWorkerRestartsTotal.inc({ reason: error instanceof ProofTimeoutError ? 'timeout' : 'cancelled' });
      this.replace();
    }
    this.pump();
  }

  /** Gives queued jobs to idle workers, oldest first; a job that can no longer finish in time is refused, never started. */
  private pump(): void {
    for (const slot of this.slots) {
      if (slot.state !== 'idle') continue;
      let job = this.queue.shift();
      while (job !== undefined && !canStart(performance.now(), job.deadlineMs, this.estimates.get(job.request.circuit))) {
        this.refuseLate(job);
        job = this.queue.shift();
      }
      if (job === undefined) break;
      this.dispatch(slot, job);
    }
    this.updateGauges();
    this.notifyWaiters();
  }

  private dispatch(slot: WorkerSlot, job: Job): void {
    const now = performance.now();
    if (job.timer !== null) clearTimeout(job.timer);
    job.state = 'running';
    job.slot = slot;
    job.startedMs = now;
    slot.state = 'busy';
    slot.job = job;
    this.metrics?.proverQueueWaitSeconds.observe((now - job.submittedMs) / 1000);
    job.timer = setTimeout(() => this.endJob(job, new ProofTimeoutError(this.runTimeoutMs, 'running')), this.runTimeoutMs);
    const { wasmPath, zkeyPath, zkeyBytes, wasmSha256, zkeySha256, input } = job.request;
    // An in-memory key crosses to a worker once: later jobs name it by its pin.
    const giveKey = zkeyBytes !== undefined && !slot.givenKeys.has(zkeySha256);
    try {
      this.post(slot, { type: 'prove', id: job.id, wasmPath, zkeyPath, wasmSha256, zkeySha256, input, ...(giveKey ? { zkeyBytes } : {}), inMemoryKey: zkeyBytes !== undefined });
      if (giveKey) slot.givenKeys.add(zkeySha256);
    } catch (error) {
      // Only an input the structured clone refuses (a function, a class instance) gets here.
      this.releaseSlot(slot);
      this.settleFailure(job, new WitnessError(`the input cannot be sent to a prover worker: ${messageOf(error)}`, ''));
    }
  }

  private onJobMessage(slot: WorkerSlot, message: ProvedMessage | FailedMessage): void {
    const job = slot.job;
    if (job === null || job.id !== message.id) return;
    this.releaseSlot(slot);
    if (message.type === 'proved') this.onProved(slot, job, message);
    else this.onFailed(job, message);
    this.pump();
  }

  /** The worker's proof: verified against the pinned key before it is handed out; its run time feeds the estimate. */
  private onProved(slot: WorkerSlot, job: Job, message: ProvedMessage): void {
    const { circuit, epoch } = job.request;
    this.metrics?.proveDurationSeconds.observe({ circuit }, (message.witnessMs + message.proveMs) / 1000);
    this.metrics?.witnessDurationSeconds.observe({ circuit }, message.witnessMs / 1000);
    const reason = this.selfVerify(job, message);
    const runMs = performance.now() - job.startedMs!;
    const estimateMs = this.estimates.record(circuit, runMs);
    this.metrics?.proverRunSeconds.observe({ circuit }, runMs / 1000);
    this.metrics?.proverRunEstimateSeconds.set({ circuit }, estimateMs / 1000);
    job.span?.setAttributes({ 'zkp.witness_ms': round(message.witnessMs), 'zkp.prove_ms': round(message.proveMs), 'zkp.run_ms': round(runMs) });
    if (reason !== null) {
      this.logger?.error({ circuit, epoch, worker: slot.serial, reason }, 'a proof did not verify against the pinned verification key: dropped (the proving key does not match its pin)');
      this.settleFailure(job, new ProofSelfVerificationError(circuit, epoch, reason));
      return;
    }
    this.logger?.debug(
      {
        circuit,
        epoch,
        worker: slot.serial,
        loadMs: round(message.loadMs),
        witnessMs: round(message.witnessMs),
        witnessCalculator: message.witnessCalculator,
        proveMs: round(message.proveMs),
        runMs: round(runMs),
      },
      'proof made',
    );
    this.settleSuccess(job, { epoch, circuit, proof: message.proof, publicSignals: message.publicSignals });
  }

  /** Null when the proof verifies against the job's pinned key; otherwise why not. */
  private selfVerify(job: Job, message: ProvedMessage): string | null {
    const { circuit } = job.request;
    const span = this.childSpan(job, 'zkp.self_verify', { 'zkp.circuit': circuit });
    const startedMs = performance.now();
    try {
      const reason = this.checkProof(job, message);
      this.metrics?.verifyDurationSeconds.observe({ circuit, mode: 'self' }, (performance.now() - startedMs) / 1000);
      this.metrics?.proverSelfVerificationsTotal.inc({ circuit, outcome: reason === null ? 'valid' : 'refused' });
      span?.setAttribute('zkp.valid', reason === null);
      if (reason !== null) span?.setStatus({ code: SPAN_STATUS_ERROR, message: reason });
      return reason;
    } finally {
      span?.end();
    }
  }

  /** The self-check's verdict; an unexpected failure of the check itself withholds the proof too (fail closed). */
  private checkProof(job: Job, message: ProvedMessage): string | null {
    try {
      return this.selfCheck.check(job.request.vkey, message.proof, message.publicSignals);
    } catch (error) {
      this.logger?.error({ err: error, circuit: job.request.circuit }, 'the proof self-check failed: withholding the proof');
      return error instanceof Error ? error.name : 'Error';
    }
  }

  private onFailed(job: Job, message: FailedMessage): void {
    const error = failureError(message);
    if (error instanceof KeyPinMismatchError) {
      this.metrics?.keyPinRefusalsTotal.inc({ artifact: error.artifact });
      this.logger?.error({ circuit: job.request.circuit, epoch: job.request.epoch, file: error.path, pinned: error.pinnedSha256, actual: error.actualSha256 }, 'a key file differs from its genesis pin: refusing to prove with it');
    }
    this.settleFailure(job, error);
  }

  /** The slot's job left it (answered, or failed to be sent): the worker is free again. */
  private releaseSlot(slot: WorkerSlot): void {
    const job = slot.job;
    if (job !== null) this.countBusyTime(job);
    slot.job = null;
    if (slot.state === 'busy') slot.state = 'idle';
  }

  private countBusyTime(job: Job): void {
    if (job.startedMs === null) return;
    this.metrics?.proverBusySecondsTotal.inc((performance.now() - job.startedMs) / 1000);
  }

  private settleSuccess(job: Job, proof: SettlementProof): void {
    if (!this.finishJob(job, 'proved')) return;
    job.result.resolve(proof);
  }

  private settleFailure(job: Job, error: ProverError): void {
    if (!this.finishJob(job, error.outcome)) return;
    job.span?.recordException(error);
    job.span?.setStatus({ code: SPAN_STATUS_ERROR, message: error.name });
    job.result.reject(error);
  }

  /** Bookkeeping every ending shares; false when the job had ended already. */
  private finishJob(job: Job, outcome: ProofOutcome): boolean {
    if (job.state === 'done') return false;
    if (job.state === 'queued') {
      this.queue.delete(job);
      if (!this.closed) this.metrics?.proverQueueWaitSeconds.observe((performance.now() - job.submittedMs) / 1000);
    }
    if (job.state === 'running' && job.slot !== null && job.slot.job === job) {
      this.countBusyTime(job);
      job.slot.job = null;
    }
    job.state = 'done';
    if (job.timer !== null) clearTimeout(job.timer);
    if (job.onAbort !== null) job.request.signal?.removeEventListener('abort', job.onAbort);
    job.timer = null;
    job.onAbort = null;
    this.metrics?.proofsTotal.inc({ circuit: job.request.circuit, outcome });
    const queueWaitMs = (job.startedMs ?? performance.now()) - job.submittedMs;
    job.span?.setAttributes({ 'zkp.queue_wait_ms': round(queueWaitMs), 'zkp.outcome': outcome });
    job.span?.end();
    return true;
  }

  /** Why a job cannot be queued (an unknown circuit, a bad epoch, timeout, pin or key), or null. */
  private jobProblem(request: ProveJob): Error | null {
    try {
      circuitDefinition(request.circuit);
      if (!Number.isSafeInteger(request.epoch) || request.epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${request.epoch}`);
      if (request.timeoutMs !== undefined) assertTimeout(request.timeoutMs, 'timeoutMs');
      for (const pin of ['wasmSha256', 'zkeySha256'] as const) {
        if (typeof request[pin] !== 'string' || !SHA256_HEX.test(request[pin])) throw new RangeError(`${pin} must be the genesis pin of the file, a lowercase sha256 hex digest`);
      }
      if (!this.checkedKeys.has(request.vkey)) {
        parseVerificationKey(request.vkey);
        this.checkedKeys.add(request.vkey);
      }
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  // --- workers --------------------------------------------------------------------------------

  private spawn(): WorkerSlot {
    const workerData: ProverWorkerData = {
      singleThread: this.singleThreadedWorkers,
      maxCachedFiles: this.options.maxCachedFiles ?? DEFAULT_MAX_CACHED_FILES,
    };
    const worker = new Worker(this.options.workerUrl ?? WORKER_URL, {
      workerData,
      name: `zkp-prover-${this.workersStarted + 1}`,
      ...(this.options.resourceLimits === undefined ? {} : { resourceLimits: this.options.resourceLimits }),
    });
    const exited = Promise.withResolvers<void>();
    const slot: WorkerSlot = {
      serial: ++this.workersStarted,
      worker,
      state: 'starting',
      job: null,
      startTimer: null,
      ready: Promise.withResolvers<void>(),
      exited: exited.promise,
      givenKeys: new Set<string>(),
    };
    // Only start() awaits readiness; a replacement's failure is handled in onWorkerFailure.
    slot.ready.promise.catch(noop);
    this.slots.add(slot);
    this.exits.add(exited.promise);
    void exited.promise.then(() => this.exits.delete(exited.promise));
    const startTimeoutMs = this.options.workerStartTimeoutMs ?? DEFAULT_WORKER_START_TIMEOUT_MS;
    slot.startTimer = setTimeout(() => this.onWorkerFailure(slot, new Error(`did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    worker.on('message', (message: unknown) => this.onWorkerMessage(slot, message));
    worker.on('messageerror', (error) => this.onWorkerFailure(slot, error));
    worker.on('error', (error) => this.onWorkerFailure(slot, error));
    worker.on('exit', (code) => {
      this.workersExited += 1;
      exited.resolve();
      this.onWorkerFailure(slot, new Error(`exited with code ${code}`));
    });
    return slot;
  }

  private onWorkerMessage(slot: WorkerSlot, message: unknown): void {
    if (slot.state === 'retired') return;
    if (!isWorkerToPool(message)) {
      this.onWorkerFailure(slot, new Error('sent a message outside the prover protocol'));
      return;
    }
    this.handleWorkerMessage(slot, message);
  }

  private handleWorkerMessage(slot: WorkerSlot, message: WorkerToPool): void {
    if (message.type === 'ready') {
      if (slot.state !== 'starting') return;
      if (slot.startTimer !== null) clearTimeout(slot.startTimer);
      slot.startTimer = null;
      slot.state = 'idle';
      this.consecutiveStartFailures = 0;
      slot.ready.resolve();
      this.pump();
      return;
    }
    this.onJobMessage(slot, message);
  }

  /** A worker died, exited, could not start, or broke the protocol: fail its job, replace it. */
  private onWorkerFailure(slot: WorkerSlot, cause: unknown): void {
    if (slot.state === 'retired') return;
    const wasStarting = slot.state === 'starting';
    const job = slot.job;
    const error = new ProverWorkerError(`prover worker ${slot.serial} ${wasStarting ? 'failed to start' : 'failed'}: ${messageOf(cause)}`, { cause });
    slot.ready.reject(error);
    this.retireInBackground(slot);
    if (job !== null) this.settleFailure(job, error);
    if (this.closed) return;
    this.logger?.error({ err: cause, worker: slot.serial, circuit: job?.request.circuit }, 'prover worker failed: replacing it');
    // start() rejects and closes the pool when one of the first workers cannot start.
    if (wasStarting && !this.startedUp) return;
    if (wasStarting) this.consecutiveStartFailures += 1;
    if (this.consecutiveStartFailures >= MAX_CONSECUTIVE_START_FAILURES) {
      this.giveUp(error);
      return;
    }
    this.metrics?.proverWorkerRestartsTotal.inc({ reason: wasStarting ? 'start_failure' : 'crash' });
    this.replace();
    this.pump();
  }

  /** Workers keep failing to start: refuse all work rather than respawn threads in a loop. */
  private giveUp(error: ProverWorkerError): void {
    this.broken = new ProverWorkerError(`${MAX_CONSECUTIVE_START_FAILURES} prover workers in a row failed to start; last: ${error.message}`, { cause: error });
    this.logger?.error({ err: this.broken }, 'prover pool gives up: workers do not start');
    for (const job of this.queue.drain()) this.settleFailure(job, this.broken);
    this.updateGauges();
    this.notifyWaiters();
  }

  private replace(): void {
    if (this.closed || this.broken !== null) return;
    this.spawn();
    this.updateGauges();
  }

  /**
   * Takes a slot out of service and ends its thread: with a grace period, it is asked to
   * release snarkjs and exit first; without, it is terminated at once (a running proof cannot
   * be interrupted any other way). Resolves once the thread has exited.
   */
  private async retire(slot: WorkerSlot, graceMs: number): Promise<void> {
    const wasLive = slot.state !== 'retired';
    slot.state = 'retired';
    // start() may be waiting for this worker (close() during start): it must not wait forever.
    slot.ready.reject(new ProverClosedError('the prover pool closed while its workers were starting'));
    this.slots.delete(slot);
    if (slot.startTimer !== null) clearTimeout(slot.startTimer);
    slot.startTimer = null;
    if (wasLive && graceMs > 0 && this.post(slot, { type: 'shutdown' }, true)) {
      const grace = Promise.withResolvers<void>();
      const timer = setTimeout(grace.resolve, graceMs);
      await Promise.race([slot.exited, grace.promise]);
      clearTimeout(timer);
    }
    await slot.worker.terminate();
    await slot.exited;
  }

  /** Terminates a slot's thread now; close() awaits the exit through `exits`. */
  private retireInBackground(slot: WorkerSlot): void {
    this.retire(slot, 0).catch((error: unknown) => this.logger?.error({ err: error, worker: slot.serial }, 'terminating a prover worker failed'));
  }

  /** Posts to a worker; with `quiet`, a failure (the thread is gone) returns false instead of throwing. */
  private post(slot: WorkerSlot, message: PoolToWorker, quiet = false): boolean {
    try {
      slot.worker.postMessage(message);
      return true;
    } catch (error) {
      if (quiet) return false;
      throw error;
    }
  }

  // --- waiting and gauges ---------------------------------------------------------------------

  private waitFor(ready: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new ProverClosedError());
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (ready()) return Promise.resolve();
    const waiter: Waiter = { ready, result: Promise.withResolvers<void>(), signal, onAbort: () => this.settleWaiter(waiter, signal?.reason as Error) };
    signal?.addEventListener('abort', waiter.onAbort, { once: true });
    this.waiters.add(waiter);
    return waiter.result.promise;
  }

  private notifyWaiters(): void {
    for (const waiter of this.waiters) if (waiter.ready()) this.settleWaiter(waiter, null);
  }

  private settleWaiter(waiter: Waiter, error: Error | null): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    if (error === null) waiter.result.resolve();
    else waiter.result.reject(error);
  }

  private runningJobsDone(): Promise<void> {
    const running = [...this.slots].flatMap((slot) => (slot.job === null ? [] : [slot.job.result.promise.then(noop, noop)]));
    return Promise.all(running).then(noop);
  }

  private updateGauges(): void {
    if (this.metrics === null) return;
    const { workers } = this.status();
    this.metrics.proverWorkers.set({ state: 'busy' }, workers.busy);
    this.metrics.proverWorkers.set({ state: 'idle' }, workers.idle);
    this.metrics.proverWorkers.set({ state: 'starting' }, workers.starting);
    this.metrics.proverQueueDepth.set(this.queue.size);
  }
}


function failureError(message: FailedMessage): ProverError {
  const detail = message.detail.trim();
  switch (message.stage) {
    case 'witness':
      return new WitnessError(`the input does not satisfy the circuit: ${message.message.trim()}`, detail);
    case 'pin': {
      const pin = message.pin;
      if (pin === undefined) return new ProverArtifactError(`a key file differs from its pin: ${message.message}`);
      return new KeyPinMismatchError(pin.artifact, pin.path, pin.pinnedSha256, pin.actualSha256);
    }
    case 'load':
      return new ProverArtifactError(`cannot read the circuit's artifacts: ${message.message}`);
    case 'prove':
      return new ProverArtifactError(`proving failed (do the wasm and zkey belong to one circuit?): ${message.message}`);
  }
}

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function assertTimeout(value: number, name: string): void {
  if (!(value > 0 && value <= MAX_TIMEOUT_MS)) throw new RangeError(`${name} must be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${value}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
