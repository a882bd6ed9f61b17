import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Span, SpanStatusCode, Tracer } from '@opentelemetry/api';
import { circuitDefinition } from '@consortium/circuits';
import type { Logger, ZkpMetrics } from '@consortium/telemetry';
import type { SettlementProof } from '../proof.js';
import { BoundedQueue } from './bounded-queue.js';
import {
  DEFAULT_MAX_CACHED_FILES,
  DEFAULT_PROOF_TIMEOUT_MS,
  DEFAULT_QUEUE_LIMIT,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_WORKER_START_TIMEOUT_MS,
  MAX_CONSECUTIVE_START_FAILURES,
  MAX_WORKERS,
} from './constants.js';
import {
  ProofCancelledError,
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

/**
 * Groth16 proving off the event loop: a fixed number of `node:worker_threads` workers, each
 * proving one job at a time with snarkjs (single-threaded by default: the pool is the
 * parallelism), fed from a bounded FIFO queue.
 *
 * - Backpressure: `prove()` rejects at once with ProverQueueFullError when `queueLimit` jobs
 *   wait already; `queueFree`, `whenCapacity()` and `whenIdle()` let a caller wait instead.
 * - Every job ends within its timeout (counted from `prove()`, queue wait included) or when its
 *   AbortSignal fires. snarkjs cannot be interrupted, so a running job's worker thread is
 *   terminated and replaced by a fresh one: the pool keeps its size.
 * - A worker that dies fails its job with ProverWorkerError and is replaced. Workers that keep
 *   failing to start make the pool refuse work rather than respawn threads in a loop.
 * - `close()` (or `stop()`) drops queued jobs, ends or awaits running ones and ends every
 *   thread: nothing of the pool keeps the process alive afterwards.
 */

export interface ProveJob {
  /** A circuit of the @consortium/circuits catalogue (a metric label: the set is bounded). */
  readonly circuit: string;
  /** Key epoch of the zkey, carried into the proof for the verifier's key lookup. */
  readonly epoch: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /** The witness calculator's input (e.g. `buildSettlementWitness(...).input`). */
  readonly input: Readonly<Record<string, unknown>>;
  /** Limit for this job, queue wait included; the pool's `defaultTimeoutMs` when absent. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ProverPoolOptions {
  /** Worker threads; `os.availableParallelism()` when absent. */
  readonly workers?: number;
  /** Jobs that may wait for a worker (running ones not counted); DEFAULT_QUEUE_LIMIT when absent. */
  readonly queueLimit?: number;
  readonly defaultTimeoutMs?: number;
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
}

interface Job {
  readonly id: number;
  readonly request: ProveJob;
  readonly timeoutMs: number;
  readonly submittedMs: number;
  readonly result: PromiseWithResolvers<SettlementProof>;
  readonly span: Span | null;
  state: 'queued' | 'running' | 'done';
  slot: WorkerSlot | null;
  startedMs: number | null;
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
/** SpanStatusCode.ERROR; a type-only import keeps @opentelemetry/api out of the runtime graph. */
const SPAN_STATUS_ERROR = 2 as SpanStatusCode.ERROR;

const noop = () => undefined;

export class ProverPool {
  readonly workerCount: number;
  readonly queueLimit: number;
  readonly defaultTimeoutMs: number;
  readonly singleThreadedWorkers: boolean;

  private readonly options: ProverPoolOptions;
  private readonly metrics: ZkpMetrics | null;
  private readonly tracer: Tracer | null;
  private readonly logger: Logger | null;
  private readonly queue: BoundedQueue<Job>;
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
    this.queue = new BoundedQueue(this.queueLimit);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_PROOF_TIMEOUT_MS;
    assertTimeout(this.defaultTimeoutMs, 'defaultTimeoutMs');
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

  /** Starts the workers and resolves once all are ready; rejects (and closes) if one cannot start. */
  async start(): Promise<void> {
    if (this.closed) throw new ProverClosedError('a closed prover pool cannot start again');
    if (this.started) return;
    this.started = true;
    try {
      const slots = Array.from({ length: this.workerCount }, () => this.spawn());
      this.updateGauges();
      await Promise.all(slots.map((slot) => slot.ready.promise));
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
    this.updateGauges();
    this.logger?.info({ workersStarted: this.workersStarted }, 'prover pool closed');
  }

  // --- jobs -----------------------------------------------------------------------------------

  /**
   * Queues a proof job (FIFO) and resolves with the proof. Rejects with ProverQueueFullError at
   * once when the queue is full, ProofTimeoutError, ProofCancelledError, ProverClosedError,
   * WitnessError (the input does not satisfy the circuit), ProverArtifactError or
   * ProverWorkerError; with UnknownCircuitError or RangeError for a malformed job.
   */
  prove(request: ProveJob): Promise<SettlementProof> {
    const problem = jobProblem(request);
    if (problem !== null) return Promise.reject(problem);
    if (this.closed || !this.started) {
      return Promise.reject(new ProverClosedError(this.closed ? 'the prover pool is closed' : 'the prover pool is not started: call start() or use ProverPool.create()'));
    }
    if (this.broken !== null) return Promise.reject(new ProverWorkerError(this.broken.message, { cause: this.broken }));
    if (this.queue.free === 0) {
      this.metrics?.proofsTotal.inc({ circuit: request.circuit, outcome: 'rejected' });
      return Promise.reject(new ProverQueueFullError(this.queueLimit));
    }
    const job = this.createJob(request);
    this.queue.push(job);
    this.armJob(job);
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
    };
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
    return {
      id: this.nextJobId++,
      request,
      timeoutMs: request.timeoutMs ?? this.defaultTimeoutMs,
      submittedMs: performance.now(),
      result: Promise.withResolvers<SettlementProof>(),
      span,
      state: 'queued',
      slot: null,
      startedMs: null,
      timer: null,
      onAbort: null,
    };
  }

  /** Starts the job's timeout and listens to its signal (an already aborted one ends it now). */
  private armJob(job: Job): void {
    job.timer = setTimeout(() => this.endJob(job, new ProofTimeoutError(job.timeoutMs, job.state === 'running' ? 'running' : 'queued')), job.timeoutMs);
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

  /** Ends a job from outside its worker (timeout, cancellation): a running job's worker is replaced. */
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

  /** Gives queued jobs to idle workers, oldest first. */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.size === 0) break;
      if (slot.state !== 'idle') continue;
      const job = this.queue.shift()!;
      this.dispatch(slot, job);
    }
    this.updateGauges();
    this.notifyWaiters();
  }

  private dispatch(slot: WorkerSlot, job: Job): void {
    const now = performance.now();
    job.state = 'running';
    job.slot = slot;
    job.startedMs = now;
    slot.state = 'busy';
    slot.job = job;
    this.metrics?.proverQueueWaitSeconds.observe((now - job.submittedMs) / 1000);
    const { wasmPath, zkeyPath, input } = job.request;
    try {
      this.post(slot, { type: 'prove', id: job.id, wasmPath, zkeyPath, input });
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
    if (message.type === 'proved') {
      const seconds = (message.witnessMs + message.proveMs) / 1000;
      this.metrics?.proveDurationSeconds.observe({ circuit: job.request.circuit }, seconds);
      this.metrics?.witnessDurationSeconds.observe({ circuit: job.request.circuit }, message.witnessMs / 1000);
      job.span?.setAttributes({ 'zkp.witness_ms': round(message.witnessMs), 'zkp.prove_ms': round(message.proveMs) });
      this.logger?.debug(
        { circuit: job.request.circuit, epoch: job.request.epoch, worker: slot.serial, loadMs: round(message.loadMs), witnessMs: round(message.witnessMs), proveMs: round(message.proveMs) },
        'proof made',
      );
      this.settleSuccess(job, { epoch: job.request.epoch, circuit: job.request.circuit, proof: message.proof, publicSignals: message.publicSignals });
    } else {
      this.settleFailure(job, failureError(message));
    }
    this.pump();
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
    case 'load':
      return new ProverArtifactError(`cannot read the circuit's artifacts: ${message.message}`);
    case 'prove':
      return new ProverArtifactError(`proving failed (do the wasm and zkey belong to one circuit?): ${message.message}`);
  }
}

/** Why a job cannot be queued (an unknown circuit, a bad epoch or timeout), or null. */
function jobProblem(request: ProveJob): Error | null {
  try {
    circuitDefinition(request.circuit);
    if (!Number.isSafeInteger(request.epoch) || request.epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${request.epoch}`);
    if (request.timeoutMs !== undefined) assertTimeout(request.timeoutMs, 'timeoutMs');
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
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
