// The prover pool under overload, with real proofs: first its capacity (every worker kept busy),
// then 1.5x that capacity offered for a while, open loop (a job every 1/(1.5 x capacity)
// seconds, whatever happened to the earlier ones), each job with a timeout of several proofs.
// The deadline policy should keep the pool delivering at capacity and refuse the excess before
// it runs; the old policy (queue time counted against a timeout that also ended running
// proofs) collapsed to a tenth of that (test/unit/prover-overload-model.test.ts models both).
// Prints figures, asserts nothing.
//   BENCH_POOL_CIRCUIT   settlement-4 (default; test keys) or settlement-16 (first run makes its keys)
//   BENCH_POOL_SECONDS   how long the overload is offered (default: 30 s or 24 proofs on a worker, the longer)
//   BENCH_POOL_OFFERED   offered load as a multiple of capacity (default 1.5)
//   BENCH_POOL_TIMEOUT   a job's timeout in proofs of the measured mean (default 4)
// Goodput is counted over the steady part of the run: from one timeout after the start (when
// the queue has filled) to the end of the offered load.
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { circuitDefinition, sha256File } from '@consortium/circuits';
import { buildSettlementWitness, ensureTestKeys, ProofDeadlineError, type ProveJob, ProverPool, ProverQueueFullError, randomSalt, SETTLEMENT_SERVICES, type SettlementBatch } from '@consortium/zkp';
import type { VerificationKey } from 'snarkjs';

const CIRCUIT = process.env.BENCH_POOL_CIRCUIT ?? 'settlement-4';
const OFFERED = Number(process.env.BENCH_POOL_OFFERED ?? 1.5);
const TIMEOUT_PROOFS = Number(process.env.BENCH_POOL_TIMEOUT ?? 4);
/** Proofs (on one worker) the offered load lasts at least, so the steady part is long enough to count. */
const OVERLOAD_PROOFS = 24;
/** Jobs per worker in the capacity run, after one warm-up proof per worker. */
const CAPACITY_JOBS_PER_WORKER = 6;

function batch(batchSize: number): SettlementBatch {
  return {
    creditor: 'FRAF1',
    debtor: 'DEUD1',
    period: '2026-11',
    firstId: 1n,
    records: Array.from({ length: batchSize }, (_, n) => ({
      recordId: BigInt(n + 1),
      service: SETTLEMENT_SERVICES[n % SETTLEMENT_SERVICES.length]!,
      volume: BigInt(1 + Math.floor(Math.random() * 100_000)),
    })),
    salt: randomSalt(),
    rateTable: { rates: { voice_mo: 1_200n, voice_mt: 300n, sms: 150n, data: 2_000n }, salt: randomSalt() },
  };
}

function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Outcomes {
  delivered: number;
  deliveredInWindow: number;
  deliveredSteady: number;
  late: number;
  refusedAtAdmission: number;
  refusedQueued: number;
  queueFull: number;
  other: Record<string, number>;
  latenciesMs: number[];
}

export async function runZkpPoolBench(): Promise<void> {
  const { params } = circuitDefinition(CIRCUIT);
  const keys = await ensureTestKeys(CIRCUIT);
  const base: Omit<ProveJob, 'input' | 'timeoutMs'> = {
    circuit: CIRCUIT,
    epoch: 1,
    wasmPath: keys.wasmPath,
    zkeyPath: keys.zkeyPath,
    wasmSha256: await sha256File(keys.wasmPath),
    zkeySha256: await sha256File(keys.zkeyPath),
    vkey: keys.vkey as unknown as VerificationKey,
  };
  const input = () => buildSettlementWitness(batch(params.batchSize), params).input;
  const workers = availableParallelism();
  const pool = await ProverPool.create({ workers });
  try {
    // Capacity: every worker busy, jobs submitted at once.
    await Promise.all(Array.from({ length: workers }, () => pool.prove({ ...base, input: input() })));
    const capacityJobs = CAPACITY_JOBS_PER_WORKER * workers;
    const capacityStarted = performance.now();
    await Promise.all(Array.from({ length: capacityJobs }, () => pool.prove({ ...base, input: input(), timeoutMs: 600_000 })));
    const capacityPerSecond = capacityJobs / ((performance.now() - capacityStarted) / 1000);
    const meanProofMs = (workers * 1000) / capacityPerSecond;
    const timeoutMs = Math.round(TIMEOUT_PROOFS * meanProofMs);
    const overloadSeconds = Number(process.env.BENCH_POOL_SECONDS ?? Math.max(30, Math.ceil((OVERLOAD_PROOFS * meanProofMs) / 1000)));
    console.log(
      `zkp pool: ${CIRCUIT}, ${workers} single-threaded workers, queue limit ${pool.queueLimit}: capacity ${capacityPerSecond.toFixed(2)} proofs/s ` +
        `(${capacityJobs} proofs, ${seconds(meanProofMs)} each on a worker; run estimate ${seconds(pool.runEstimateMs(CIRCUIT) ?? 0)})`,
    );

    // Overload: OFFERED x capacity, open loop, each job with a timeout of TIMEOUT_PROOFS proofs.
    const offeredPerSecond = OFFERED * capacityPerSecond;
    const intervalMs = 1000 / offeredPerSecond;
    const workersBefore = pool.status().workersStarted;
    const outcomes: Outcomes = { delivered: 0, deliveredInWindow: 0, deliveredSteady: 0, late: 0, refusedAtAdmission: 0, refusedQueued: 0, queueFull: 0, other: {}, latenciesMs: [] };
    const started = performance.now();
    const windowEnd = started + overloadSeconds * 1000;
    const steadyFrom = started + timeoutMs;
    const pending: Promise<void>[] = [];
    for (let i = 0; started + i * intervalMs < windowEnd; i++) {
      const due = started + i * intervalMs;
      if (due > performance.now()) await sleep(due - performance.now());
      const submitted = performance.now();
      pending.push(
        pool.prove({ ...base, input: input(), timeoutMs }).then(
          () => {
            const done = performance.now();
            outcomes.delivered += 1;
            if (done <= windowEnd) outcomes.deliveredInWindow += 1;
            if (done > steadyFrom && done <= windowEnd) outcomes.deliveredSteady += 1;
            if (done - submitted > timeoutMs) outcomes.late += 1;
            outcomes.latenciesMs.push(done - submitted);
          },
          (error: unknown) => {
            if (error instanceof ProofDeadlineError) {
              if (error.stage === 'admission') outcomes.refusedAtAdmission += 1;
              else outcomes.refusedQueued += 1;
            } else if (error instanceof ProverQueueFullError) outcomes.queueFull += 1;
            else {
              const name = error instanceof Error ? error.name : String(error);
              outcomes.other[name] = (outcomes.other[name] ?? 0) + 1;
            }
          },
        ),
      );
    }
    const offered = pending.length;
    await Promise.all(pending);
    const steadySeconds = (windowEnd - steadyFrom) / 1000;
    const goodput = outcomes.deliveredSteady / steadySeconds;
    console.log(
      `  offered ${OFFERED}x: ${offered} jobs in ${overloadSeconds} s (${(offered / overloadSeconds).toFixed(2)}/s), timeout ${seconds(timeoutMs)} (${TIMEOUT_PROOFS} proofs)`,
    );
    console.log(
      `  goodput ${goodput.toFixed(2)} proofs/s = ${((100 * goodput) / capacityPerSecond).toFixed(0)} % of capacity over the steady ${steadySeconds.toFixed(0)} s ` +
        `(${outcomes.deliveredSteady} delivered; ${outcomes.deliveredInWindow} while offered, ${outcomes.delivered} in all, ${outcomes.late} after their timeout)`,
    );
    console.log(
      `  refused before running: ${outcomes.refusedAtAdmission} at admission, ${outcomes.refusedQueued} while queued, ${outcomes.queueFull} queue full` +
        `${Object.keys(outcomes.other).length > 0 ? `; other failures ${JSON.stringify(outcomes.other)}` : ''}; workers replaced ${pool.status().workersStarted - workersBefore}`,
    );
    console.log(
      `  latency of delivered proofs: p50 ${seconds(percentile(outcomes.latenciesMs, 0.5))}, p99 ${seconds(percentile(outcomes.latenciesMs, 0.99))}, max ${seconds(Math.max(...outcomes.latenciesMs))}`,
    );
  } finally {
    await pool.close();
  }
}
