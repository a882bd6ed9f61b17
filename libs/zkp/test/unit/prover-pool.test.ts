// The pool's queueing, timeouts, cancellation, worker replacement, close and metrics, with a
// fake worker script (test/unit/fixtures/fake-prover-worker.mjs) that speaks the prover protocol
// in real worker threads without proving. Real proofs: test/e2e/prover-pool.test.ts.
import type { Span, Tracer } from '@opentelemetry/api';
import { UnknownCircuitError } from '@consortium/circuits';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ProofCancelledError,
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

const FAKE_WORKER = new URL('./fixtures/fake-prover-worker.mjs', import.meta.url);
const FAILING_WORKER = new URL('./fixtures/failing-start-worker.mjs', import.meta.url);
const CIRCUIT = 'settlement-4';

type FakeInput = { fake: 'prove'; ms?: number; tag?: string } | { fake: 'witness' | 'artifact' | 'crash' | 'exit' | 'hang' };

function job(input: FakeInput, extra: Partial<ProveJob> = {}): ProveJob {
  return { circuit: CIRCUIT, epoch: 1, wasmPath: '/fake.wasm', zkeyPath: '/fake.zkey', input, ...extra };
}

/** A tracer that keeps what the pool records on its spans. */
class RecordingTracer {
  readonly spans: { name: string; attributes: Record<string, unknown>; status: unknown; exceptions: unknown[]; ended: boolean }[] = [];
  startSpan(name: string, options?: { attributes?: Record<string, unknown> }): Span {
    const record = { name, attributes: { ...options?.attributes }, status: undefined as unknown, exceptions: [] as unknown[], ended: false };
    this.spans.push(record);
    const span = {
      setAttributes: (attributes: Record<string, unknown>) => Object.assign(record.attributes, attributes) && span,
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
    const proof = await pool.prove(job({ fake: 'prove', tag: 'a' }, { epoch: 7 }));
    expect(proof).toMatchObject({ epoch: 7, circuit: CIRCUIT, proof: { protocol: 'groth16' } });
    expect(proof.publicSignals[0]).toBe('a');
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
    expect(tracer.spans).toHaveLength(3);
  });

  it('times out a queued job without touching the workers', async () => {
    const pool = await createPool({ workers: 1 });
    const running = pool.prove(job({ fake: 'prove', ms: 300 }));
    const error = await pool.prove(job({ fake: 'prove' }, { timeoutMs: 50 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofTimeoutError);
    expect(error).toMatchObject({ phase: 'queued', timeoutMs: 50, outcome: 'timeout' });
    await running;
    expect(pool.status().workersStarted).toBe(1);
  });

  it('times out a running job: its worker is terminated and replaced, the next job succeeds', async () => {
    const pool = await createPool({ workers: 1 });
    const error = await pool.prove(job({ fake: 'hang' }, { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofTimeoutError);
    expect(error).toMatchObject({ phase: 'running' });
    await expect(pool.prove(job({ fake: 'prove', tag: 'after' }))).resolves.toMatchObject({ publicSignals: ['after', expect.any(String), expect.any(String), expect.any(String)] });
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

  it("close({ running: 'wait' }) lets running jobs finish", async () => {
    const pool = await createPool({ workers: 1 });
    const running = pool.prove(job({ fake: 'prove', ms: 200, tag: 'done' }));
    const queued = pool.prove(job({ fake: 'prove' }));
    const outcomes = Promise.allSettled([running, queued]);
    await pool.close({ running: 'wait' });
    const [proved, dropped] = await outcomes;
    expect(proved).toMatchObject({ status: 'fulfilled', value: { publicSignals: ['done', expect.any(String), expect.any(String), expect.any(String)] } });
    expect(dropped).toMatchObject({ status: 'rejected', reason: expect.any(ProverClosedError) });
    expect(pool.status()).toMatchObject({ workersStarted: 1, workersExited: 1 });
  });

  it('keeps its gauges and counters current: queue wait, busy seconds, prove duration, workers', async () => {
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
    expect(tracer.spans.map((span) => span.attributes['zkp.outcome'])).toEqual(['proved', 'proved']);
    expect(tracer.spans[1]!.attributes['zkp.queue_wait_ms']).toBeGreaterThanOrEqual(140);
    expect(tracer.spans[1]!.attributes).toMatchObject({ 'zkp.epoch': 1, 'zkp.witness_ms': expect.any(Number), 'zkp.prove_ms': expect.any(Number) });
  });
});
