// The pool offered more real proofs (settlement-4) than fit in their timeout: it proves what can
// finish, refuses the rest before it runs, and never ends a running proof. The old pool counted
// queue time against one timeout that also ended running proofs: here the third job would start
// with about one proof's time left and be ended mid-proof, its worker terminated. Behaviour
// only (no timing): outcomes, error classes, worker restarts. Throughput figures:
// tools/bench/zkp-pool.bench.ts; the deterministic model: test/unit/prover-overload-model.test.ts.
import { circuitDefinition, sha256File } from '@consortium/circuits';
import { ensureTestKeys } from '../../src/index.js';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofDeadlineError, ProverPool, type ProveJob } from '../../src/prover/index.js';
import { buildSettlementWitness } from '../../src/witness/witness.js';
import { sampleBatch } from '../support/batches.js';

const CIRCUIT = 'settlement-4';
const BURST = 8;

let telemetry: Telemetry;
let pool: ProverPool;
let base: Omit<ProveJob, 'input'>;

beforeAll(async () => {
  const keys = await ensureTestKeys(CIRCUIT);
  base = {
    circuit: CIRCUIT,
    epoch: 1,
    wasmPath: keys.wasmPath,
    zkeyPath: keys.zkeyPath,
    wasmSha256: await sha256File(keys.wasmPath),
    zkeySha256: await sha256File(keys.zkeyPath),
    vkey: keys.vkey as unknown as snarkjs.VerificationKey,
  };
  telemetry = setupTelemetry({ serviceName: 'prover-overload-e2e', memberId: 'Orange-FR', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
  pool = await ProverPool.create({ workers: 1, metrics: telemetry.metrics.zkp });
}, 180_000);

afterAll(async () => {
  await pool?.close();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  await telemetry?.shutdown();
});

function input(): Record<string, unknown> {
  return buildSettlementWitness(sampleBatch(), circuitDefinition(CIRCUIT).params).input;
}

describe('the prover pool offered more than it can prove in time (real proofs, settlement-4)', () => {
  it(`${BURST} jobs at once with a timeout of three proofs: it proves what fits, refuses the rest at once, ends no running proof`, async () => {
    // Two proofs give the pool its estimate of one proof's run time.
    await pool.prove({ ...base, input: input() });
    await pool.prove({ ...base, input: input() });
    const estimateMs = pool.runEstimateMs(CIRCUIT)!;
    expect(estimateMs).toBeGreaterThan(0);
    const timeoutMs = Math.ceil(3 * estimateMs);
    const outcomes = await Promise.allSettled(Array.from({ length: BURST }, () => pool.prove({ ...base, input: input(), timeoutMs })));

    const proofs = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    // Every job either gave a proof or was refused before it ran: nothing else (no ProofTimeoutError).
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(ProofDeadlineError);
    expect(proofs.length).toBeGreaterThanOrEqual(1);
    // With one worker, the fourth job would start after three proofs' time: refused when it came.
    expect(refusals.filter((refusal) => (refusal as ProofDeadlineError).stage === 'admission').length).toBeGreaterThanOrEqual(BURST - 3);
    for (const proof of proofs) expect(await snarkjs.groth16.verify(base.vkey, [...proof.publicSignals], proof.proof)).toBe(true);
    // No running proof was ended: the one worker is the first one, never replaced.
    expect(pool.status().workersStarted).toBe(1);
    const restarts = (await telemetry.registry.getSingleMetric('consortium_zkp_prover_worker_restarts_total')!.get()).values.filter((sample) => sample.value > 0);
    expect(restarts).toEqual([]);
    const rejected = (await telemetry.registry.getSingleMetric('consortium_zkp_prover_rejected_total')!.get()).values;
    expect(rejected.find((sample) => sample.labels.reason === 'deadline_at_admission')?.value).toBeGreaterThanOrEqual(BURST - 3);
  });
});
