// Real Groth16 proofs on the test circuit settlement-4 (test-only keys from ensureTestKeys; the
// first run on a fresh machine makes them, about a minute). Each proof takes a few hundred
// milliseconds single-threaded, so the suite keeps their number small. Jobs go through the
// public witness API (buildSettlementWitness), so the tests follow the circuit as it changes.
import { fileURLToPath } from 'node:url';
import { circuitDefinition, sha256File } from '@consortium/circuits';
import { ensureTestKeys, type TestKeys } from '../../src/index.js';
import { createLogger, LogRecorder, setupTelemetry, type Telemetry } from '@consortium/telemetry';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProofCancelledError, ProofDeadlineError, ProofTimeoutError, ProverArtifactError, ProverClosedError, ProverPool, WitnessError, type ProveJob } from '../../src/prover/index.js';
import type { SettlementProof } from '../../src/proof.js';
import { buildSettlementWitness, publicSignalsOf, type SettlementWitness } from '../../src/witness/witness.js';
import { record, sampleBatch } from '../support/batches.js';
import { runTypeScript } from '../support/run-process.js';

const CIRCUIT = 'settlement-4';
const { params } = circuitDefinition(CIRCUIT);

let keys: TestKeys;
let pins: Pick<ProveJob, 'wasmPath' | 'zkeyPath' | 'wasmSha256' | 'zkeySha256' | 'vkey'>;
let telemetry: Telemetry;
let pool: ProverPool;
const witnesses: SettlementWitness[] = [];

function job(witness: SettlementWitness, extra: Partial<ProveJob> = {}): ProveJob {
  return { circuit: CIRCUIT, epoch: 3, ...pins, input: witness.input, ...extra };
}

async function verifies(proof: SettlementProof): Promise<boolean> {
  return snarkjs.groth16.verify(keys.vkey, [...proof.publicSignals], proof.proof);
}

async function proofsCounted(): Promise<Record<string, number>> {
  const metric = telemetry.registry.getSingleMetric('consortium_zkp_proofs_total')!;
  const counts: Record<string, number> = {};
  for (const sample of (await metric.get()).values) if (sample.labels.circuit === CIRCUIT && sample.value > 0) counts[String(sample.labels.outcome)] = sample.value;
  return counts;
}

beforeAll(async () => {
  keys = await ensureTestKeys(CIRCUIT);
  pins = { wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, wasmSha256: await sha256File(keys.wasmPath), zkeySha256: await sha256File(keys.zkeyPath), vkey: keys.vkey as unknown as snarkjs.VerificationKey };
  telemetry = setupTelemetry({ serviceName: 'prover-e2e', memberId: 'T-Mobile-DE', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
  witnesses.push(
    // Two batches of the support module's sample (fresh salts: different witnesses).
    buildSettlementWitness(sampleBatch(), params),
    buildSettlementWitness(sampleBatch(), params),
  );
  pool = await ProverPool.create({ workers: 2, queueLimit: 1, metrics: telemetry.metrics.zkp });
}, 180_000);

afterAll(async () => {
  await pool?.close();
  // snarkjs's verify built a multi-threaded curve in this process: end its threads.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  await telemetry?.shutdown();
});

describe('ProverPool (real proofs, settlement-4)', () => {
  it('two workers prove two jobs in parallel; both proofs verify and carry the expected public signals', async () => {
    const pending = witnesses.map((witness) => pool.prove(job(witness)));
    // Both went to a worker at once: none waits in the queue.
    expect([pool.running, pool.queueDepth]).toEqual([2, 0]);
    const proofs = await Promise.all(pending);
    for (const [index, proof] of proofs.entries()) {
      expect(proof).toMatchObject({ epoch: 3, circuit: CIRCUIT });
      expect(proof.publicSignals).toEqual(publicSignalsOf(witnesses[index]!.publicInputs));
      expect(await verifies(proof)).toBe(true);
    }
    expect(pool.status()).toMatchObject({ workersStarted: 2, workers: { idle: 2, busy: 0 } });
    expect(pool.runEstimateMs(CIRCUIT)).toBeGreaterThan(0);
  });

  it('refuses past the queue limit with ProverQueueFullError, counted as rejected', async () => {
    const running = [pool.prove(job(witnesses[0]!)), pool.prove(job(witnesses[1]!))];
    const queued = pool.prove(job(witnesses[0]!));
    await expect(pool.prove(job(witnesses[1]!))).rejects.toMatchObject({ name: 'ProverQueueFullError', outcome: 'rejected' });
    const proofs = await Promise.all([...running, queued]);
    expect(await verifies(proofs[2]!)).toBe(true);
    expect(await proofsCounted()).toMatchObject({ rejected: 1 });
  });

  it('a 1 ms timeout cannot be met by a proof: refused at once with ProofDeadlineError, no worker touched', async () => {
    const before = pool.status().workersStarted;
    const error = await pool.prove(job(witnesses[0]!, { timeoutMs: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProofDeadlineError);
    expect(error).toMatchObject({ stage: 'admission' });
    expect(pool.status().workersStarted).toBe(before);
    expect(await verifies(await pool.prove(job(witnesses[1]!)))).toBe(true);
  });

  it('an aborted signal cancels a running and a queued job', async () => {
    const controller = new AbortController();
    const jobs = [0, 1, 0].map((index) => pool.prove(job(witnesses[index]!, { signal: controller.signal })));
    expect([pool.running, pool.queueDepth]).toEqual([2, 1]);
    const outcomes = Promise.allSettled(jobs);
    controller.abort();
    const settled = await outcomes;
    expect(settled.map((outcome) => outcome.status === 'rejected' && outcome.reason instanceof ProofCancelledError && outcome.reason.phase)).toEqual(['running', 'running', 'queued']);
    await expect(pool.prove(job(witnesses[0]!))).resolves.toBeDefined();
  });

  it('an input that violates the circuit (a wrong total) fails with WitnessError; the pool keeps working', async () => {
    const witness = witnesses[0]!;
    const wrongTotal = { ...witness.input, total: (witness.publicInputs.total + 1n).toString() };
    const error = await pool.prove(job(witness, { input: wrongTotal })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WitnessError);
    expect((error as WitnessError).message).toMatch(/Assert Failed/);
    const missing = await pool.prove(job(witness, { input: { total: '1' } })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(WitnessError);
    // (A worker keeps files by their pin: a pin it holds is served from memory, whatever the path.)
    await expect(pool.prove({ ...job(witness), zkeyPath: '/nonexistent/circuit.zkey', zkeySha256: 'c'.repeat(64) })).rejects.toBeInstanceOf(ProverArtifactError);
    const proof = await pool.prove(job(witness));
    expect(await verifies(proof)).toBe(true);
  });

  it('metrics reflect the outcomes', async () => {
    expect(await proofsCounted()).toEqual({ proved: 8, rejected: 2, cancelled: 3, failed: 3 });
    const durations = (await telemetry.registry.getSingleMetric('consortium_zkp_prove_duration_seconds')!.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
    const count = durations.find((sample) => sample.metricName === 'consortium_zkp_prove_duration_seconds_count' && sample.labels.circuit === CIRCUIT);
    expect(count?.value).toBe(8);
    const selfChecks = (await telemetry.registry.getSingleMetric('consortium_zkp_prover_self_verifications_total')!.get()).values;
    expect(selfChecks.find((sample) => sample.labels.outcome === 'valid')?.value).toBe(8);
    const busy = (await telemetry.registry.getSingleMetric('consortium_zkp_prover_busy_seconds_total')!.get()).values[0]!.value;
    expect(busy).toBeGreaterThan(0);
  });

  it('after close() every worker thread has exited and prove() rejects with ProverClosedError', async () => {
    await pool.close();
    const status = pool.status();
    expect(status.workersExited).toBe(status.workersStarted);
    expect(status.workers).toEqual({ starting: 0, idle: 0, busy: 0 });
    await expect(pool.prove(job(witnesses[0]!))).rejects.toBeInstanceOf(ProverClosedError);
  });
});

describe('a stuck proof', () => {
  it('past the run limit its worker is terminated and replaced; the next job succeeds', async () => {
    const small = await ProverPool.create({ workers: 1, runTimeoutMs: 1 });
    try {
      const error = await small.prove(job(witnesses[0]!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProofTimeoutError);
      expect(error).toMatchObject({ phase: 'running', timeoutMs: 1 });
      await vi.waitFor(() => expect(small.status().workers).toEqual({ starting: 0, idle: 1, busy: 0 }), { timeout: 30_000 });
      expect(small.status().workersStarted).toBe(2);
    } finally {
      await small.close();
    }
  });
});

describe("a worker's witness calculator", () => {
  // snarkjs builds one (compiling the circuit's wasm) for every witness: 0.3 to 0.5 CPU s, about 40 %
  // of a settlement-61 proof. The worker keeps it per wasm pin; every calculation starts from the
  // wasm's init(), so a kept calculator must give each job its own witness.
  it('is built once and kept: consecutive jobs on one worker each get their own proof; a failed calculation drops it', async () => {
    const log = new LogRecorder();
    const single = await ProverPool.create({ workers: 1, logger: createLogger({ service: 'prover-e2e', member: 'T-Mobile-DE', level: 'debug', destination: log }) });
    try {
      const third = buildSettlementWitness(sampleBatch([record(1, 'voice_mt', 42), record(2, 'data', 7)]), params);
      const proved: [SettlementWitness, SettlementProof][] = [];
      for (const witness of [witnesses[0]!, witnesses[1]!, third]) proved.push([witness, await single.prove(job(witness))]);
      // Two failures in a row: circom_runtime keeps a failed run's messages in its calculator, so
      // without a fresh one the second message would carry the first's text as well.
      const wrongTotal = { ...third.input, total: (third.publicInputs.total + 1n).toString() };
      const failures = [await single.prove(job(third, { input: wrongTotal })).catch((e: unknown) => e), await single.prove(job(third, { input: wrongTotal })).catch((e: unknown) => e)];
      for (const failure of failures) expect(failure).toBeInstanceOf(WitnessError);
      expect((failures[1] as WitnessError).message).toBe((failures[0] as WitnessError).message);
      proved.push([witnesses[0]!, await single.prove(job(witnesses[0]!))]);

      for (const [witness, proof] of proved) {
        expect(proof.publicSignals).toEqual(publicSignalsOf(witness.publicInputs));
        expect(await verifies(proof)).toBe(true);
      }
      expect(new Set(proved.map(([, proof]) => proof.publicSignals.join()))).toHaveProperty('size', 3);
      expect(log.find('proof made').map((line) => line.witnessCalculator)).toEqual(['built', 'kept', 'kept', 'built']);
      expect(single.status().workersStarted).toBe(1);
    } finally {
      await single.close();
    }
  });
});

describe('a process that used the pool', () => {
  it('exits on its own after close(): no thread, timer or snarkjs curve keeps it alive', async () => {
    const { code, output } = await runTypeScript(fileURLToPath(new URL('../support/prove-and-exit.ts', import.meta.url)));
    expect(output).toMatch(/proved settlement-4/);
    expect(code, output).toBe(0);
  });
});
