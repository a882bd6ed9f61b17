// Groth16 proving throughput through the prover pool: records proved per second for the
// production circuits settlement-61 (2^12) and settlement-344 (2^14) (and settlement-1433, 2^16,
// with BENCH_ZKP_1433=1), in four set-ups:
//   (a) the pool with 2 single-threaded workers, kept busy (every job submitted at once);
//   (b) one job at a time, snarkjs multi-threaded inside one worker (its own threads = cores);
//   (c) one single-threaded worker, one job at a time;
//   (d) CPU seconds per proof on one thread, in this process: barely moved by other work on the
//       machine, so records per CPU second x cores estimates a quiet machine from a loaded run.
// Keys are test-only (ensureTestKeys); the first run makes them: settlement-344 needs a 2^14
// powers of tau (several minutes), settlement-1433 a 2^16 one (half an hour on 2 cores).
// Prints constraints per record, the domain's fill, records/s and per-proof times (p50, witness
// included); asserts nothing. BENCH_ZKP_PROOFS (default 8) proofs per set-up;
// BENCH_ZKP_CIRCUITS=settlement-344 runs one circuit; BENCH_ZKP_CPU_ONLY=1 only (d).
import { circuitDefinition, groth16DomainPower, sha256File } from '@consortium/circuits';
import { createLogger } from '@consortium/telemetry';
import { buildSettlementWitness, ensureTestKeys, ProverPool, randomSalt, SETTLEMENT_SERVICES, type SettlementBatch, type SettlementWitness, type TestKeys } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import type { VerificationKey } from 'snarkjs';
import { formatDuration } from './report.js';

/** Proofs measured per set-up and circuit (after one warm-up proof per worker). */
const PROOFS = Number(process.env.BENCH_ZKP_PROOFS ?? 8);

interface Setup {
  readonly name: string;
  readonly workers: number;
  readonly singleThreadedWorkers: boolean;
  /** Submit every job at once (the pool keeps its workers busy) or one after another. */
  readonly concurrent: boolean;
}

const SETUPS: readonly Setup[] = [
  { name: '(a) pool, 2 single-threaded workers', workers: 2, singleThreadedWorkers: true, concurrent: true },
  { name: '(b) 1 worker, snarkjs multi-threaded', workers: 1, singleThreadedWorkers: false, concurrent: false },
  { name: '(c) 1 single-threaded worker', workers: 1, singleThreadedWorkers: true, concurrent: false },
];

interface ProofTiming {
  readonly witnessMs: number;
  readonly proveMs: number;
}

interface RunResult {
  readonly wallMs: number;
  readonly timings: readonly ProofTiming[];
}

/** Batch `index` of a period, full: ids are positional, so batch i starts where batch i - 1 ended. */
function randomBatch(batchSize: number, index: number): SettlementBatch {
  const firstId = BigInt(index * batchSize + 1);
  return {
    creditor: 'FRAF1',
    debtor: 'DEUD1',
    period: '2026-11',
    firstId,
    records: Array.from({ length: batchSize }, (_, n) => ({
      recordId: firstId + BigInt(n),
      service: SETTLEMENT_SERVICES[n % SETTLEMENT_SERVICES.length]!,
      volume: BigInt(1 + Math.floor(Math.random() * 100_000)),
    })),
    salt: randomSalt(),
    rateTable: { rates: { voice_mo: 1_200n, voice_mt: 300n, sms: 150n, data: 2_000n }, salt: randomSalt() },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : formatDuration(ms);
}

/** One set-up on one circuit: a fresh pool, one warm-up proof per worker, then PROOFS proofs. */
async function run(setup: Setup, name: string, keys: TestKeys, witnesses: readonly SettlementWitness[]): Promise<RunResult> {
  const timings: ProofTiming[] = [];
  let measuring = false;
  // The pool logs each proof's witness and proving time at debug level: read them back.
  const logger = createLogger({
    service: 'bench',
    member: 'bench',
    level: 'debug',
    destination: {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; witnessMs?: number; proveMs?: number };
        if (measuring && entry.msg === 'proof made') timings.push({ witnessMs: entry.witnessMs ?? 0, proveMs: entry.proveMs ?? 0 });
      },
    },
  });
  const pool = await ProverPool.create({ workers: setup.workers, singleThreadedWorkers: setup.singleThreadedWorkers, queueLimit: PROOFS, logger });
  // The pool checks the files against pins and every proof against the verification key (test keys: pinned as found).
  const pins = { wasmSha256: await sha256File(keys.wasmPath), zkeySha256: await sha256File(keys.zkeyPath), vkey: keys.vkey as unknown as VerificationKey };
  const job = (witness: SettlementWitness) => ({ circuit: name, epoch: 0, wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, ...pins, input: witness.input, timeoutMs: 600_000 });
  try {
    // Warm-up: every worker reads the artifacts into its cache and compiles the wasm once.
    await Promise.all(Array.from({ length: setup.workers }, (_, i) => pool.prove(job(witnesses[i % witnesses.length]!))));
    measuring = true;
    const started = performance.now();
    if (setup.concurrent) {
      await Promise.all(witnesses.map((witness) => pool.prove(job(witness))));
    } else {
      for (const witness of witnesses) await pool.prove(job(witness));
    }
    return { wallMs: performance.now() - started, timings };
  } finally {
    await pool.close();
  }
}

/**
 * (d) CPU seconds per proof, proved in this process on one thread (snarkjs singleThread): unlike
 * wall time, CPU time barely moves when other work shares the machine, so records per CPU second
 * x cores estimates the quiet machine's capacity from a loaded run.
 */
async function cpuPerProof(keys: TestKeys, witnesses: readonly SettlementWitness[]): Promise<number[]> {
  const seconds: number[] = [];
  for (const [index, witness] of witnesses.entries()) {
    const before = process.cpuUsage();
    await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath, undefined, undefined, { singleThread: true });
    const used = process.cpuUsage(before);
    if (index > 0) seconds.push((used.user + used.system) / 1e6); // the first one warms up
  }
  return seconds;
}

async function benchCircuit(name: string): Promise<void> {
  const definition = circuitDefinition(name);
  const { batchSize } = definition.params;
  const setupStarted = performance.now();
  const keys = await ensureTestKeys(name);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const { constraints, publicInputs } = keys.circuit.manifest;
  const domainPower = groth16DomainPower(constraints, publicInputs.length);
  const fill = (100 * (constraints + publicInputs.length)) / 2 ** domainPower;
  console.log(
    `zkp: ${name}: ${constraints.toLocaleString('en-US')} constraints, ${(constraints / batchSize).toFixed(1)} per record, ${fill.toFixed(1)}% of 2^${domainPower}` +
      (setupSeconds > 5 ? ` (test keys made in ${setupSeconds.toFixed(0)} s)` : ''),
  );
  const witnesses = Array.from({ length: PROOFS }, (_, index) => buildSettlementWitness(randomBatch(batchSize, index), definition.params));
  for (const setup of process.env.BENCH_ZKP_CPU_ONLY === '1' ? [] : SETUPS) {
    const { wallMs, timings } = await run(setup, name, keys, witnesses);
    const recordsPerSecond = (PROOFS * batchSize) / (wallMs / 1000);
    const proofMs = median(timings.map((t) => t.witnessMs + t.proveMs));
    const witnessMs = median(timings.map((t) => t.witnessMs));
    console.log(
      `  ${setup.name.padEnd(40)} ${recordsPerSecond.toFixed(1).padStart(7)} records/s  ${(PROOFS / (wallMs / 1000)).toFixed(2).padStart(5)} proofs/s  ` +
        `proof p50 ${formatMs(proofMs).padStart(9)} (witness ${formatMs(witnessMs)})  ${PROOFS} proofs in ${formatMs(wallMs)}`,
    );
  }
  const cpu = median(await cpuPerProof(keys, witnesses.slice(0, Math.min(PROOFS, 4) + 1)));
  console.log(
    `  ${'(d) CPU per proof, one thread'.padEnd(40)} ${(batchSize / cpu).toFixed(1).padStart(7)} records per CPU second  proof p50 ${cpu.toFixed(2)} CPU s  ` +
      `(x 2 cores: ${((2 * batchSize) / cpu).toFixed(0)} records/s)`,
  );
}

export async function runZkpProveBench(): Promise<void> {
  const defaults = ['settlement-61', 'settlement-344', ...(process.env.BENCH_ZKP_1433 === '1' ? ['settlement-1433'] : [])];
  const circuits = process.env.BENCH_ZKP_CIRCUITS?.split(',') ?? defaults;
  for (const name of circuits) await benchCircuit(name);
}
