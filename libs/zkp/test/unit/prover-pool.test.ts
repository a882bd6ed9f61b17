// The pool's queueing, deadlines, cancellation, worker replacement, self-verification, close
// and metrics, with a fake worker script (test/unit/fixtures/fake-prover-worker.mjs) that
// speaks the prover protocol in real worker threads without a circuit; its proofs verify
// against syntheticKey(5), whose trapdoor it knows. Real proofs: test/e2e/prover-pool.test.ts.
import type { Span, Tracer } from '@opentelemetry/api';
import { UnknownCircuitError } from '@consortium/circuits';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  KeyPinMismatchError,
  ProofCancelledError,
  ProofDeadlineError,
  ProofSelfVerificationError,
  ProofTimeoutError,
  ProverArtifactError,
  ProverClosedError,
  ProverPool,
  ProverQueueFullError,
  ProverWorkerError,
  WitnessError,
  type ProveJob,
  type ProverPoolOptions,
} from '../../src/prover/index.js';
import { VerificationKeyError } from '../../src/verifier/errors.js';
import { syntheticKey } from '../support/verifier.js';

const FAKE_WORKER = new URL('./fixtures/fake-prover-worker.mjs', import.meta.url);
const FAILING_WORKER = new URL('./fixtures/failing-start-worker.mjs', import.meta.url);
const CIRCUIT = 'settlement-4';

type FakeInput = { fake: 'prove'; ms?: number; tag?: string; holdWasmPages?: number } | { fake: 'witness' | 'artifact' | 'crash' | 'exit' | 'hang' | 'tampered' | 'pin' };

/** The key the fake worker's proofs verify against (one object: the pool prepares it once). */
const VKEY = syntheticKey(5);

function job(input: FakeInput, extra: Partial<ProveJob> = {}): ProveJob {
  return { circuit: CIRCUIT, epoch: 1, wasmPath: '/fake.wasm', zkeyPath: '/fake.zkey', wasmSha256: 'a'.repeat(64), zkeySha256: 'b'.repeat(64), vkey: VKEY, input, ...extra };
}

/** A tracer that keeps what the pool records on its spans. */
class RecordingTracer {
  readonly spans: { name: string; attributes: Record<string, unknown>; status: unknown; exceptions: unknown[]; ended: boolean }[] = [];
  startSpan(name: string, options?: { attributes?: Record<string, unknown> }): Span {
    const record = { name, attributes: { ...options?.attributes }, status: undefined as unknown, exceptions: [] as unknown[], ended: false };
    this.spans.push(record);
    const span = {
      setAttributes: (attributes: Record<string, unknown>) => Object.assign(record.attributes, attributes) && span,
      setAttribute: (key: string, value: unknown) => ((record.attributes[key] = value), span),
      setStatus: (status: unknown) => ((record.status = status), span),
      recordException: (exception: unknown) => void record.exceptions.push(exception),
      end: () => void (record.ended = true),
    };
    return span as unknown as Span;
  }
}

let telemetry: Telemetry;
let tracer: RecordingTracer;
const pools: ProverPool[] = [];

beforeEach(() => {
  telemetry = setupTelemetry({ serviceName: 'prover-test', memberId: 'T-Mobile-DE', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
  tracer = new RecordingTracer();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  await telemetry.shutdown();
});

async function createPool(options: ProverPoolOptions = {}): Promise<ProverPool> {
  const pool = new ProverPool({ workers: 1, workerUrl: FAKE_WORKER, metrics: telemetry.metrics.zkp, tracer: tracer as unknown as Tracer, ...options });
  pools.push(pool);
  await pool.start();
  return pool;
}

async function metricValues(name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
  const metric = telemetry.registry.getSingleMetric(name);
  expect(metric, name).toBeDefined();
  return (await metric!.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

async function proofsCounted(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await metricValues('consortium_zkp_proofs_total')) {
    if (sample.labels.circuit === CIRCUIT && sample.value > 0) counts[String(sample.labels.outcome)] = sample.value;
  }
  return counts;
}

async function labelled(name: string, label: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await metricValues(name)) if (sample.value > 0 && sample.labels[label] !== undefined) counts[String(sample.labels[label])] = sample.value;
  return counts;
}

async function restarts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await metricValues('consortium_zkp_prover_worker_restarts_total')) if (sample.value > 0) counts[String(sample.labels.reason)] = sample.value;
  return counts;
}

async function gauge(name: string, state?: string): Promise<number | undefined> {
  return (await metricValues(name)).find((sample) => state === undefined || sample.labels.state === state)?.value;
}

describe('ProverPool (fake workers)', () => {
  it('starts its workers, proves, and carries epoch and circuit into the proof', async () => {
    const pool = await createPool({ workers: 2 });
    expect(pool.status().workers).toEqual({ starting: 0, idle: 2, busy: 0 });
    const proof = await pool.prove(job({ fake: 'prove', tag: '42' }, { epoch: 7 }));
    expect(proof).toMatchObject({ epoch: 7, circuit: CIRCUIT, proof: { protocol: 'groth16' } });
    expect(proof.publicSignals[0]).toBe('42');
  });

  it('runs jobs in two workers at once and hands them out first in, first out', async () => {
    const pool = await createPool({ workers: 2 });
    const proofs = await Promise.all([1, 2].map((tag) => pool.prove(job({ fake: 'prove', ms: 300, tag: String(tag) }))));
    // Different threads proved them, at the same time (their intervals overlap).
    const [a, b] = proofs.map((proof) => ({ thread: proof.publicSignals[1], start: Number(proof.publicSignals[2]), end: Number(proof.publicSignals[3]) }));
    expect(a!.thread).not.toBe(b!.thread);
    expect(Math.max(a!.start, b!.start)).toBeLessThan(Math.min(a!.end, b!.end));

    const single = await createPool({ workers: 1 });
    const finished: string[] = [];
    await Promise.all(
      ['1', '2', '3', '4'].map((tag) => single.prove(job({ fake: 'prove', ms: 10, tag })).then((proof) => finished.push(proof.publicSignals[0]!))),
    );
    expect(finished).toEqual(['1', '2', '3', '4']);
  });

  it('refuses at once past the queue limit (outcome rejected) and tells when a place frees', async () => {
    const pool = await createPool({ workers: 1, queueLimit: 2 });
    const running = pool.prove(job({ fake: 'prove', ms: 200 }));
    const queued = [pool.prove(job({ fake: 'prove', ms: 10 })), pool.prove(job({ fake: 'prove', ms: 10 }))];
    expect([pool.running, pool.queueDepth, pool.queueFree]).toEqual([1, 2, 0]);
    expect(await gauge('consortium_zkp_prover_queue_depth')).toBe(2);
    expect(await gauge('consortium_zkp_prover_workers', 'busy')).toBe(1);

    const refusedAt = performance.now();
    const refused = await pool.prove(job({ fake: 'prove' })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProverQueueFullError);
    expect((refused as ProverQueueFullError).queueLimit).toBe(2);
    expect(performance.now() - refusedAt).toBeLessThan(100);

    await pool.whenCapacity();
    expect(pool.queueFree).toBe(1);
    await Promise.all([running, ...queued]);
    await pool.whenIdle();
    expect(await proofsCounted()).toEqual({ proved: 3, rejected: 1 });
    expect(await labelled('consortium_zkp_prover_rejected_total', 'reason')).toEqual({ queue_full: 1 });
    const proveSpans = tracer.spans.filter((span) => span.name === 'zkp.prove');
    expect(proveSpans.map((span) => span.attributes['zkp.outcome']).sort()).toEqual(['proved', 'proved', 'proved', 'rejected']);
    expect(tracer.spans.filter((span) => span.name === 'zkp.admission').map((span) => span.attributes['zkp.admitted'])).toEqual([true, true, true, false]);
    expect(tracer.spans.filter((span) => span.name === 'zkp.self_verify').map((span) => span.attributes['zkp.valid'])).toEqual([true, true, true]);
  });

  it('refuses a queue limit of 0, a negative or a fractional one when the pool is made, not at every prove()', () => {
    for (const queueLimit of [0, -1, 1.5, Number.NaN]) {
      expect(() => new ProverPool({ workers: 1, workerUrl: FAKE_WORKER, queueLimit }), String(queueLimit)).toThrow(RangeError);
    }
    expect(() => new ProverPool({ workers: 1, workerUrl: FAKE_WORKER, queueLimit: 1 })).not.toThrow();
  });

  it('refuses, while it waits, a queued job whose deadline passes before a worker is free, without touching the workers', async () => {
    const pool = await createPool({ workers: 1 });
    const running = pool.prove(job({ fake: 'prove', ms: 400 }));
    // No proof of the circuit measured yet: admitted (nothing is known against it), refused once its time is up.
    const error = await pool.prove(job({ fake: 'prove' }, { timeoutMs: 50 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofDeadlineError);
    expect(error).toMatchObject({ stage: 'queued', timeoutMs: 50, outcome: 'rejected' });
    await running;
    expect(pool.status().workersStarted).toBe(1);
    expect(await labelled('consortium_zkp_prover_rejected_total', 'reason')).toEqual({ deadline_in_queue: 1 });
  });

  // The overload defect: the job timeout counted queue time and ended a proof already running.
  it('does not end a running proof when its deadline passes: the proof finishes and is delivered', async () => {
    const pool = await createPool({ workers: 1 });
    const proof = await pool.prove(job({ fake: 'prove', ms: 500, tag: '7' }, { timeoutMs: 100 }));
    expect(proof.publicSignals[0]).toBe('7');
    expect(pool.status().workersStarted).toBe(1);
    expect(await restarts()).toEqual({});
  });

  it('refuses at once a job that, by the measured run time, cannot finish before its deadline; it never reaches a worker', async () => {
    const pool = await createPool({ workers: 1 });
    await pool.prove(job({ fake: 'prove', ms: 300 }));
    expect(pool.runEstimateMs(CIRCUIT)).toBeGreaterThanOrEqual(300);
    const error = await pool.prove(job({ fake: 'prove' }, { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofDeadlineError);
    expect(error).toMatchObject({ stage: 'admission', timeoutMs: 100, outcome: 'rejected' });
    expect((error as ProofDeadlineError).estimatedRunMs).toBeGreaterThanOrEqual(300);
    // Behind a running proof a job needs its remaining time and its own run: 2 runs do not fit in 1.5.
    const running = pool.prove(job({ fake: 'prove', ms: 300 }));
    const behind = await pool.prove(job({ fake: 'prove' }, { timeoutMs: Math.round(1.5 * pool.runEstimateMs(CIRCUIT)!) })).catch((e: unknown) => e);
    expect(behind).toMatchObject({ name: 'ProofDeadlineError', stage: 'admission' });
    await running;
    expect(await proofsCounted()).toEqual({ proved: 2, rejected: 2 });
    expect(await labelled('consortium_zkp_prover_rejected_total', 'reason')).toEqual({ deadline_at_admission: 2 });
    expect(tracer.spans.filter((span) => span.name === 'zkp.admission' && span.attributes['zkp.admitted'] === false)).toHaveLength(2);
  });

  it('refuses a waiting job as soon as its time left is shorter than one run, before its deadline, and never starts it', async () => {
    const pool = await createPool({ workers: 1 });
    await pool.prove(job({ fake: 'prove', ms: 400 }));
    const estimateMs = pool.runEstimateMs(CIRCUIT)!;
    // The running job's estimate says it ends soon; it hangs instead, so the waiting job's time runs out.
    const stuck = new AbortController();
    const running = pool.prove(job({ fake: 'hang' }, { signal: stuck.signal })).catch((e: unknown) => e);
    const error = await pool.prove(job({ fake: 'prove' }, { timeoutMs: Math.round(5 * estimateMs) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProofDeadlineError', stage: 'queued' });
    // Refused with about one run's time still left, not at its deadline.
    expect((error as ProofDeadlineError).startInMs).toBeGreaterThan(0);
    stuck.abort();
    expect(await running).toBeInstanceOf(ProofCancelledError);
    expect(await proofsCounted()).toEqual({ proved: 1, rejected: 1, cancelled: 1 });
  });

  it('ends a proof running past the run limit (a stuck worker): its worker is terminated and replaced, the next job succeeds', async () => {
    const pool = await createPool({ workers: 1, runTimeoutMs: 100 });
    const error = await pool.prove(job({ fake: 'hang' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofTimeoutError);
    expect(error).toMatchObject({ phase: 'running', timeoutMs: 100 });
    await expect(pool.prove(job({ fake: 'prove', tag: '12' }))).resolves.toMatchObject({ publicSignals: ['12', expect.any(String), expect.any(String), expect.any(String), expect.any(String)] });
    expect(pool.status()).toMatchObject({ workersStarted: 2, workers: { starting: 0, idle: 1, busy: 0 } });
    await vi.waitFor(() => expect(pool.status().workersExited).toBe(1));
    expect(await proofsCounted()).toEqual({ timeout: 1, proved: 1 });
    expect(await restarts()).toEqual({ timeout: 1 });
    expect(tracer.spans[0]).toMatchObject({ attributes: { 'zkp.circuit': CIRCUIT, 'zkp.outcome': 'timeout' }, ended: true, status: { code: 2 } });
  });

  it('cancels on an AbortSignal: a queued job, a running job, and one aborted before it came', async () => {
    const pool = await createPool({ workers: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.prove(job({ fake: 'hang' }, { signal: running.signal }));
    const second = pool.prove(job({ fake: 'prove' }, { signal: queued.signal }));
    queued.abort(new Error('not needed'));
    await expect(second).rejects.toMatchObject({ name: 'ProofCancelledError', phase: 'queued' });
    expect(pool.queueDepth).toBe(0);
    running.abort();
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofCancelledError);
    expect(error).toMatchObject({ phase: 'running' });
    await expect(pool.prove(job({ fake: 'prove' }, { signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(ProofCancelledError);
    await expect(pool.prove(job({ fake: 'prove' }))).resolves.toBeDefined();
    expect(pool.status().workersStarted).toBe(2);
    expect(await proofsCounted()).toEqual({ cancelled: 3, proved: 1 });
    expect(await restarts()).toEqual({ cancelled: 1 });
  });

  it('drops a proof that does not verify against the pinned key (a tampered proving key): ProofSelfVerificationError, counted; the worker stays', async () => {
    const pool = await createPool({ workers: 1 });
    const error = await pool.prove(job({ fake: 'tampered' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofSelfVerificationError);
    expect(error).toMatchObject({ circuit: CIRCUIT, epoch: 1, reason: 'InvalidProofError', outcome: 'failed' });
    await expect(pool.prove(job({ fake: 'prove' }))).resolves.toBeDefined();
    // A proof checked against another key (the job's pin) does not verify either.
    const otherKey = syntheticKey(5);
    otherKey.vk_alpha_1 = ['1', (21888242871839275222246405745257275088696311157297823662689037894645226208583n - 2n).toString(), '1'];
    await expect(pool.prove(job({ fake: 'prove' }, { vkey: otherKey }))).rejects.toBeInstanceOf(ProofSelfVerificationError);
    expect(await labelled('consortium_zkp_prover_self_verifications_total', 'outcome')).toEqual({ valid: 1, refused: 2 });
    expect(await proofsCounted()).toEqual({ proved: 1, failed: 2 });
    expect(pool.status().workersStarted).toBe(1);
    expect(tracer.spans.filter((span) => span.name === 'zkp.self_verify').map((span) => span.attributes['zkp.valid'])).toEqual([false, true, false]);
  });

  it('types a key file that differs from its pin as KeyPinMismatchError, counted by artifact', async () => {
    const pool = await createPool({ workers: 1 });
    const error = await pool.prove(job({ fake: 'pin' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyPinMismatchError);
    expect(error).toBeInstanceOf(ProverArtifactError);
    expect(error).toMatchObject({ artifact: 'zkey', path: '/fake.zkey', pinnedSha256: 'b'.repeat(64), actualSha256: 'f'.repeat(64) });
    expect(await labelled('consortium_zkp_key_pin_refusals_total', 'artifact')).toEqual({ zkey: 1 });
  });

  it('types the worker-side failures: witness, artifacts, a crash and an exit (the last two replace the worker)', async () => {
    const pool = await createPool({ workers: 1 });
    const witness = await pool.prove(job({ fake: 'witness' })).catch((e: unknown) => e);
    expect(witness).toBeInstanceOf(WitnessError);
    expect((witness as WitnessError).message).toMatch(/does not satisfy the circuit: Error: Assert Failed/);
    expect((witness as WitnessError).detail).toMatch(/line: 80/);
    await expect(pool.prove(job({ fake: 'artifact' }))).rejects.toBeInstanceOf(ProverArtifactError);
    expect(pool.status().workersStarted).toBe(1);

    await expect(pool.prove(job({ fake: 'crash' }))).rejects.toThrow(ProverWorkerError);
    await expect(pool.prove(job({ fake: 'prove' }))).resolves.toBeDefined();
    const exit = await pool.prove(job({ fake: 'exit' })).catch((e: unknown) => e);
    expect(exit).toBeInstanceOf(ProverWorkerError);
    expect((exit as Error).message).toMatch(/exited with code 3/);
    await expect(pool.prove(job({ fake: 'prove' }))).resolves.toBeDefined();
    expect(pool.status().workersStarted).toBe(3);
    expect(await proofsCounted()).toEqual({ failed: 4, proved: 2 });
    expect(await restarts()).toEqual({ crash: 2 });
  });

  it('refuses malformed jobs before queueing them', async () => {
    const pool = await createPool();
    await expect(pool.prove(job({ fake: 'prove' }, { circuit: 'settlement-5' }))).rejects.toBeInstanceOf(UnknownCircuitError);
    await expect(pool.prove(job({ fake: 'prove' }, { epoch: -1 }))).rejects.toBeInstanceOf(RangeError);
    await expect(pool.prove(job({ fake: 'prove' }, { timeoutMs: 0 }))).rejects.toBeInstanceOf(RangeError);
    await expect(pool.prove({ ...job({ fake: 'prove' }), input: { fake: 'prove', f: () => 1 } })).rejects.toThrow(/cannot be sent to a prover worker/);
    await expect(pool.prove(job({ fake: 'prove' }, { zkeySha256: 'B'.repeat(64) }))).rejects.toThrow(/zkeySha256 must be the genesis pin/);
    await expect(pool.prove(job({ fake: 'prove' }, { vkey: { ...VKEY, nPublic: 4 } }))).rejects.toBeInstanceOf(VerificationKeyError);
    await expect(pool.prove(job({ fake: 'prove' }))).resolves.toBeDefined();
  });

  it('fails to start when its workers cannot, and leaves no thread behind', async () => {
    const pool = new ProverPool({ workers: 2, workerUrl: FAILING_WORKER });
    const error = await pool.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProverWorkerError);
    expect((error as Error).message).toMatch(/failed to start: cannot load snarkjs/);
    expect(pool.status()).toMatchObject({ closed: true, workersStarted: 2, workersExited: 2 });
    await expect(pool.prove(job({ fake: 'prove' }))).rejects.toBeInstanceOf(ProverClosedError);
  });

  it('gives up when replacement workers keep failing to start: refuses jobs instead of respawning forever', async () => {
    const pool = await createPool({ workers: 1 });
    process.env.FAKE_PROVER_FAIL_START = '1';
    try {
      await expect(pool.prove(job({ fake: 'crash' }))).rejects.toBeInstanceOf(ProverWorkerError);
      const queued = pool.prove(job({ fake: 'prove' }));
      await expect(queued).rejects.toThrow(/3 prover workers in a row failed to start/);
      expect(pool.status()).toMatchObject({ broken: true, workersStarted: 4 });
      await expect(pool.prove(job({ fake: 'prove' }))).rejects.toBeInstanceOf(ProverWorkerError);
    } finally {
      delete process.env.FAKE_PROVER_FAIL_START;
    }
    await pool.close();
    expect(pool.status()).toMatchObject({ workersStarted: 4, workersExited: 4 });
  });

  it('close() during start() ends start() instead of leaving it waiting', async () => {
    const pool = new ProverPool({ workers: 2, workerUrl: FAKE_WORKER });
    const starting = pool.start();
    await pool.close();
    await expect(starting).rejects.toBeInstanceOf(ProverClosedError);
    expect(pool.status()).toMatchObject({ workersStarted: 2, workersExited: 2 });
  });

  it('refuses jobs before start()', async () => {
    const pool = new ProverPool({ workers: 1, workerUrl: FAKE_WORKER });
    await expect(pool.prove(job({ fake: 'prove' }))).rejects.toThrow(/not started/);
  });

  it('close() rejects queued jobs, terminates running ones, ends every thread and timer', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const pool = await createPool({ workers: 2 });
    const running = [pool.prove(job({ fake: 'hang' })), pool.prove(job({ fake: 'hang' }))];
    const queued = pool.prove(job({ fake: 'prove' }));
    const idle = pool.whenIdle();
    const outcomes = Promise.allSettled([...running, queued, idle]);
    await pool.close();
    for (const outcome of await outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(ProverClosedError) });
    expect(pool.status()).toMatchObject({ closed: true, workersStarted: 2, workersExited: 2, workers: { starting: 0, idle: 0, busy: 0 }, queueDepth: 0 });
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
    await expect(pool.prove(job({ fake: 'prove' }))).rejects.toBeInstanceOf(ProverClosedError);
    await expect(pool.whenCapacity()).rejects.toBeInstanceOf(ProverClosedError);
    await expect(pool.start()).rejects.toBeInstanceOf(ProverClosedError);
    expect(await proofsCounted()).toEqual({ cancelled: 3 });
    expect(await gauge('consortium_zkp_prover_workers', 'idle')).toBe(0);
    expect(await gauge('consortium_zkp_prover_workers', 'busy')).toBe(0);
  });

  it("reads its workers' own memory, wasm memories included, into its gauge (the node's heap figures leave the workers out)", async () => {
    const pool = await createPool({ workers: 2 });
    const before = await pool.sampleWorkerMemory();
    expect(before.used).toBeGreaterThan(0);
    expect(before.total).toBeGreaterThanOrEqual(before.used);
    // 64 MiB of wasm memory in one worker, as a prover's curve keeps.
    await pool.prove(job({ fake: 'prove', holdWasmPages: 1024 }));
    const after = await pool.sampleWorkerMemory();
    expect(after.external - before.external).toBeGreaterThanOrEqual(64 * 2 ** 20);
    const external = (await metricValues('consortium_zkp_prover_worker_memory_bytes')).find((sample) => sample.labels.kind === 'external')?.value;
    expect(external).toBe(after.external);
    await pool.close();
    expect(await pool.sampleWorkerMemory()).toEqual({ used: 0, total: 0, external: 0, malloced: 0 });
  });

  it("close({ running: 'wait' }) lets running jobs finish", async () => {
    const pool = await createPool({ workers: 1 });
    const running = pool.prove(job({ fake: 'prove', ms: 200, tag: '13' }));
    const queued = pool.prove(job({ fake: 'prove' }));
    const outcomes = Promise.allSettled([running, queued]);
    await pool.close({ running: 'wait' });
    const [proved, dropped] = await outcomes;
    expect(proved).toMatchObject({ status: 'fulfilled', value: { publicSignals: ['13', expect.any(String), expect.any(String), expect.any(String), expect.any(String)] } });
    expect(dropped).toMatchObject({ status: 'rejected', reason: expect.any(ProverClosedError) });
    expect(pool.status()).toMatchObject({ workersStarted: 1, workersExited: 1 });
  });

  it('keeps its gauges and counters current: queue wait, run time and its estimate, busy seconds, prove duration, workers', async () => {
    const pool = await createPool({ workers: 1 });
    await Promise.all([pool.prove(job({ fake: 'prove', ms: 150 })), pool.prove(job({ fake: 'prove', ms: 150 }))]);
    expect(await gauge('consortium_zkp_prover_workers', 'idle')).toBe(1);
    expect(await gauge('consortium_zkp_prover_workers', 'busy')).toBe(0);
    expect(await gauge('consortium_zkp_prover_workers', 'starting')).toBe(0);
    expect(await gauge('consortium_zkp_prover_queue_depth')).toBe(0);
    const witness = await metricValues('consortium_zkp_witness_duration_seconds');
    expect(witness.find((sample) => sample.metricName === 'consortium_zkp_witness_duration_seconds_count' && sample.labels.circuit === CIRCUIT)?.value).toBe(2);
    const busy = (await metricValues('consortium_zkp_prover_busy_seconds_total'))[0]!.value;
    expect(busy).toBeGreaterThanOrEqual(0.3);
    expect(busy).toBeLessThan(1);
    const waits = await metricValues('consortium_zkp_prover_queue_wait_seconds');
    expect(waits.find((sample) => sample.metricName === 'consortium_zkp_prover_queue_wait_seconds_count')?.value).toBe(2);
    // The second job waited for the first.
    expect(waits.find((sample) => sample.metricName === 'consortium_zkp_prover_queue_wait_seconds_sum')?.value).toBeGreaterThanOrEqual(0.14);
    const durations = await metricValues('consortium_zkp_prove_duration_seconds');
    const count = durations.find((sample) => sample.metricName === 'consortium_zkp_prove_duration_seconds_count' && sample.labels.circuit === CIRCUIT);
    expect(count?.value).toBe(2);
    const runs = await metricValues('consortium_zkp_prover_run_seconds');
    expect(runs.find((sample) => sample.metricName === 'consortium_zkp_prover_run_seconds_count' && sample.labels.circuit === CIRCUIT)?.value).toBe(2);
    const estimate = (await metricValues('consortium_zkp_prover_run_estimate_seconds')).find((sample) => sample.labels.circuit === CIRCUIT)?.value;
    expect(estimate).toBeGreaterThanOrEqual(0.15);
    expect(pool.status().runEstimatesMs[CIRCUIT]).toBeCloseTo(estimate! * 1000, 3);
    const self = await metricValues('consortium_zkp_verify_duration_seconds');
    expect(self.find((sample) => sample.metricName === 'consortium_zkp_verify_duration_seconds_count' && sample.labels.mode === 'self')?.value).toBe(2);
    const proveSpans = tracer.spans.filter((span) => span.name === 'zkp.prove');
    expect(proveSpans.map((span) => span.attributes['zkp.outcome'])).toEqual(['proved', 'proved']);
    expect(proveSpans[1]!.attributes['zkp.queue_wait_ms']).toBeGreaterThanOrEqual(140);
    expect(proveSpans[1]!.attributes).toMatchObject({ 'zkp.epoch': 1, 'zkp.witness_ms': expect.any(Number), 'zkp.prove_ms': expect.any(Number), 'zkp.run_ms': expect.any(Number) });
  });
});
