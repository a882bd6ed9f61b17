// Groth16 verification of settlement proofs (settlement-4, test keys): one proof with our
// verifier and with snarkjs.groth16.verify, then batches of 10, 100 and 1,000 by random linear
// combination. Big batches repeat a few distinct proofs; each entry still gets its own scalar.
// Goals (issue #4): single verify p50 <= 8 ms; batches of 100 and 1,000 >= 500 proofs/s.
import { CIRCUITS } from '@consortium/circuits';
import { buildSettlementWitness, ensureTestKeys, Groth16Verifier, randomSalt, type UsageRecord, VerificationKeys } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import { Bench } from 'tinybench';
import { printBench } from './report.js';

const CIRCUIT = 'settlement-4';
const DISTINCT_PROOFS = 6;
const BATCH_SIZES = [10, 100, 1_000];
/** Each batch size runs for at least this long (and at least BATCH_RUNS_MIN times). */
const BATCH_TIME_MS = 5_000;
const BATCH_RUNS_MIN = 3;

interface BenchProof {
  readonly epoch: number;
  readonly circuit: string;
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

async function makeProofs(keys: Awaited<ReturnType<typeof ensureTestKeys>>): Promise<BenchProof[]> {
  const proofs: BenchProof[] = [];
  for (let i = 0; i < DISTINCT_PROOFS; i++) {
    const records: UsageRecord[] = [
      { recordId: 1n, service: 'data', volume: BigInt(1_000 + i) },
      { recordId: 2n, service: 'voice_mo', volume: BigInt(60 * (i + 1)) },
    ];
    const batch = { creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 1n, records, salt: randomSalt(), rateTable: { rates: { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n }, salt: randomSalt() } };
    const witness = buildSettlementWitness(batch, CIRCUITS[CIRCUIT]!.params);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
    proofs.push({ epoch: 1, circuit: CIRCUIT, proof, publicSignals });
  }
  return proofs;
}

/** The ffjavascript calls of the reference row (snarkjs's Curve type leaves them unknown). */
interface ReferenceCurve {
  readonly G1: { readonly g: Uint8Array };
  readonly G2: { readonly g: Uint8Array };
  pairingEq(...points: Uint8Array[]): Promise<boolean>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function batchThroughput(verifier: Groth16Verifier, proofs: readonly BenchProof[]): Promise<void> {
  for (const size of BATCH_SIZES) {
    const batch = Array.from({ length: size }, (_, i) => proofs[i % proofs.length]!);
    await verifier.verifyBatch(batch.slice(0, Math.min(size, 10)));
    const runsMs: number[] = [];
    const startedMs = performance.now();
    // Process CPU time too: on a shared machine it shows the cost apart from the wait for a core.
    const cpuBefore = process.cpuUsage();
    while (runsMs.length < BATCH_RUNS_MIN || performance.now() - startedMs < BATCH_TIME_MS) {
      const runStartedMs = performance.now();
      const result = await verifier.verifyBatch(batch);
      runsMs.push(performance.now() - runStartedMs);
      if (!result.valid) throw new Error(`a batch of ${size} valid proofs did not verify`);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerProof = (cpu.user + cpu.system) / 1000 / (runsMs.length * size);
    const medianMs = median(runsMs);
    const best = Math.min(...runsMs);
    console.log(
      `  batch of ${String(size).padStart(5)}: median ${medianMs.toFixed(1).padStart(8)} ms = ${Math.round((size * 1000) / medianMs).toLocaleString('en-US').padStart(6)} proofs/s ` +
        `(best ${Math.round((size * 1000) / best).toLocaleString('en-US')} proofs/s, ${runsMs.length} runs, CPU ${cpuMsPerProof.toFixed(2)} ms/proof)`,
    );
  }
}

export async function runZkpVerifyBench(): Promise<void> {
  const keys = await ensureTestKeys(CIRCUIT);
  const vkey = keys.vkey as unknown as snarkjs.VerificationKey;
  const proofs = await makeProofs(keys);
  const registry = new VerificationKeys();
  registry.add(1, CIRCUIT, vkey);
  const verifier = new Groth16Verifier(registry, { metrics: null, security: null, tracer: null });
  try {
    await verifier.prepareKey(1, CIRCUIT);
    console.log(`zkp verify: ${CIRCUIT} (${vkey.nPublic} public signals), ${DISTINCT_PROOFS} distinct proofs`);
    // snarkjs's process-wide multi-threaded curve, as snarkjs.groth16.verify uses it.
    const curve = (await snarkjs.curves.getCurveFromName('bn128')) as unknown as ReferenceCurve;
    let i = 0;
    const single = new Bench({ time: 3_000, warmupTime: 500 });
    single
      .add('Groth16Verifier.verify (one proof)', async () => {
        const result = await verifier.verify(proofs[i++ % proofs.length]!);
        if (result.outcome !== 'valid') throw new Error(`a valid proof gave ${result.outcome}`);
      })
      .add('snarkjs.groth16.verify (one proof)', async () => {
        const proof = proofs[i++ % proofs.length]!;
        if (!(await snarkjs.groth16.verify(vkey, proof.publicSignals, proof.proof))) throw new Error('snarkjs refused a valid proof');
      })
      // A load gauge: docs/STACK.md has 6.6 ms for this on an idle machine of this kind.
      .add('ffjavascript pairingEq, 4 pairs (reference)', async () => {
        await curve.pairingEq(curve.G1.g, curve.G2.g, curve.G1.g, curve.G2.g, curve.G1.g, curve.G2.g, curve.G1.g, curve.G2.g);
      });
    await single.run();
    printBench(single);
    await batchThroughput(verifier, proofs);
  } finally {
    await verifier.close();
    // fullProve and snarkjs's verify start the process-wide multi-threaded curve.
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  }
}
