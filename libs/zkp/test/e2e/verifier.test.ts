import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIRCUITS, REPOSITORY_ROOT } from '@consortium/circuits';
import { ensureTestKeys } from '../../src/index.js';
import type { Telemetry } from '@consortium/telemetry';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementProof } from '../../src/proof.js';
import { PublicSignalCountError, PublicSignalRangeError, UnknownVerificationKeyError, ProofFormatError } from '../../src/verifier/errors.js';
import { VerificationKeys } from '../../src/verifier/keys.js';
import { Groth16Verifier } from '../../src/verifier/verifier.js';
import { buildSettlementWitness } from '../../src/witness/witness.js';
import { record, sampleBatch } from '../support/batches.js';
import { runNode, runTypeScript, type ProcessResult } from '../support/run-process.js';
import { counterValue, R, recordingTracer, testTelemetry } from '../support/verifier.js';

/**
 * The verifier against real Groth16 proofs of settlement-4 (test keys), compared with
 * snarkjs's own verifier in-process and with the snarkjs command line as an independent check.
 */

const CIRCUIT = 'settlement-4';
const DISTINCT_PROOFS = 6;
/** Public signal 6 is the settlement total (SETTLEMENT_PUBLIC_INPUTS). */
const TOTAL = 6;
const SNARKJS_CLI = join(REPOSITORY_ROOT, 'node_modules/snarkjs/build/cli.cjs');

let vkey: snarkjs.VerificationKey;
let proofs: SettlementProof[];
let verifier: Groth16Verifier;
let telemetry: Telemetry;
const recorded = recordingTracer();

beforeAll(async () => {
  // The first call compiles the circuit and runs a small ceremony (about a minute); cached afterwards.
  const keys = await ensureTestKeys(CIRCUIT);
  vkey = keys.vkey as unknown as snarkjs.VerificationKey;
  proofs = [];
  for (let i = 0; i < DISTINCT_PROOFS; i++) {
    const batch = sampleBatch([record(1, 'data', 1_000 + i), record(2, 'voice_mo', 60 * (i + 1)), record(3, 'sms', i + 1)]);
    const witness = buildSettlementWitness(batch, CIRCUITS[CIRCUIT]!.params);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
    proofs.push({ epoch: 1, circuit: CIRCUIT, proof, publicSignals });
  }
  const registry = new VerificationKeys();
  // One key under two epochs: two groups in a batch.
  registry.add(1, CIRCUIT, vkey);
  registry.add(2, CIRCUIT, vkey);
  telemetry = testTelemetry();
  verifier = new Groth16Verifier(registry, { metrics: telemetry.metrics.zkp, security: telemetry.metrics.security, tracer: recorded.tracer });
}, 300_000);

afterAll(async () => {
  await verifier?.close();
  await telemetry?.shutdown();
  // snarkjs's fullProve and verify started the shared multi-threaded curve.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

const withSignal = (proof: SettlementProof, index: number, value: string): SettlementProof => ({
  ...proof,
  publicSignals: proof.publicSignals.map((signal, i) => (i === index ? value : signal)),
});
/** The total claimed one minor unit higher than proved. */
const tampered = (proof: SettlementProof) => withSignal(proof, TOTAL, (BigInt(proof.publicSignals[TOTAL]!) + 1n).toString());
/** Proof i presented with proof j's statement. */
const replayed = (i: number, j: number): SettlementProof => ({ ...proofs[i]!, publicSignals: proofs[j]!.publicSignals });
const snarkjsVerdict = (proof: SettlementProof) => snarkjs.groth16.verify(vkey, [...proof.publicSignals], proof.proof);

describe('Groth16Verifier with real settlement proofs', () => {
  it('verifies each valid proof alone, as snarkjs does', async () => {
    for (const proof of proofs) {
      expect(await verifier.verify(proof)).toEqual({ outcome: 'valid', error: null });
      expect(await snarkjsVerdict(proof)).toBe(true);
    }
  });

  it('verifies all of them in one batch', async () => {
    const result = await verifier.verifyBatch(proofs);
    expect(result).toMatchObject({ valid: true, failures: [], groups: 1 });
    expect(result.results.every((r) => r.outcome === 'valid')).toBe(true);
  });

  it('finds a tampered total invalid, as snarkjs does', async () => {
    const before = await counterValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'invalid_proof' });
    const result = await verifier.verify(tampered(proofs[0]!));
    expect(result.outcome).toBe('invalid');
    expect(result.error?.name).toBe('InvalidProofError');
    expect(await snarkjsVerdict(tampered(proofs[0]!))).toBe(false);
    expect(await counterValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'invalid_proof' })).toBe(before + 1);
  });

  it("finds a proof of another statement invalid for this statement's signals (replay)", async () => {
    expect((await verifier.verify(replayed(1, 0))).outcome).toBe('invalid');
    expect(await snarkjsVerdict(replayed(1, 0))).toBe(false);
  });

  it('finds swapped proof points invalid (A and C) or malformed (A and B)', async () => {
    const proof = proofs[2]!;
    const swappedAC = { ...proof, proof: { ...proof.proof, pi_a: proof.proof.pi_c, pi_c: proof.proof.pi_a } };
    expect((await verifier.verify(swappedAC)).outcome).toBe('invalid');
    expect(await snarkjsVerdict(swappedAC)).toBe(false);
    const swappedAB = { ...proof, proof: { ...proof.proof, pi_a: proof.proof.pi_b as unknown as string[], pi_b: [proof.proof.pi_a] } };
    expect((await verifier.verify(swappedAB)).error).toBeInstanceOf(ProofFormatError);
  });

  it('refuses a signal >= r (the total + r, congruent to the proved total) as a range error', async () => {
    const aliased = withSignal(proofs[3]!, TOTAL, (BigInt(proofs[3]!.publicSignals[TOTAL]!) + R).toString());
    const result = await verifier.verify(aliased);
    expect(result.outcome).toBe('error');
    expect(result.error).toBeInstanceOf(PublicSignalRangeError);
    expect(result.error).toMatchObject({ index: TOTAL });
    expect(await snarkjsVerdict(aliased)).toBe(false);
  });

  it('refuses a wrong count of signals and an unknown epoch', async () => {
    const short = { ...proofs[4]!, publicSignals: proofs[4]!.publicSignals.slice(0, -1) };
    expect((await verifier.verify(short)).error).toBeInstanceOf(PublicSignalCountError);
    expect((await verifier.verify({ ...proofs[4]!, epoch: 3 })).error).toBeInstanceOf(UnknownVerificationKeyError);
  });

  it('names exactly the two bad proofs of a batch of 10', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => proofs[i % DISTINCT_PROOFS]!);
    batch[2] = tampered(proofs[2]!);
    batch[7] = replayed(3, 1);
    const result = await verifier.verifyBatch(batch);
    expect(result.valid).toBe(false);
    expect(result.failures.map((failure) => [failure.index, failure.outcome, failure.error.name])).toEqual([
      [2, 'invalid', 'InvalidProofError'],
      [7, 'invalid', 'InvalidProofError'],
    ]);
    expect(recorded.spans.at(-1)).toMatchObject({ name: 'zkp.verify', attributes: { 'zkp.proofs': 10, 'zkp.valid': false, 'zkp.circuit': CIRCUIT } });
  });

  it('verifies a batch of two keys per group, and names a bad proof in either', async () => {
    const batch = [...proofs, ...proofs.map((proof) => ({ ...proof, epoch: 2 }))];
    expect(await verifier.verifyBatch(batch)).toMatchObject({ valid: true, groups: 2 });
    batch[9] = { ...tampered(proofs[3]!), epoch: 2 };
    batch[12] = { ...proofs[0]!, epoch: 5 };
    const result = await verifier.verifyBatch(batch);
    expect(result.groups).toBe(2);
    expect(result.failures.map((failure) => [failure.index, failure.error.name])).toEqual([
      [9, 'InvalidProofError'],
      [12, 'UnknownVerificationKeyError'],
    ]);
  });

  it('lets a process that used it exit on its own after close()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkp-verifier-exit-'));
    try {
      const input = join(dir, 'input.json');
      await writeFile(input, JSON.stringify({ vkey, proof: proofs[0] }));
      const { code, output } = await runTypeScript(fileURLToPath(new URL('../support/verify-and-exit.ts', import.meta.url)), [input]);
      expect(output).toMatch(/verified settlement-4: single valid, batch valid/);
      expect(code, output).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  describe('independent check with the snarkjs command line', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'zkp-verifier-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function snarkjsCli(proof: SettlementProof): Promise<ProcessResult> {
      await writeFile(join(dir, 'verification_key.json'), JSON.stringify(vkey));
      await writeFile(join(dir, 'public.json'), JSON.stringify(proof.publicSignals));
      await writeFile(join(dir, 'proof.json'), JSON.stringify(proof.proof));
      return runNode([SNARKJS_CLI, 'groth16', 'verify', 'verification_key.json', 'public.json', 'proof.json'], { cwd: dir });
    }

    it('accepts the proof our verifier accepts', async () => {
      const proof = proofs[5]!;
      expect((await verifier.verify(proof)).outcome).toBe('valid');
      const { code, output } = await snarkjsCli(proof);
      expect(output).toMatch(/OK/);
      expect(code).toBe(0);
    }, 240_000);

    it('rejects the tampered proof our verifier rejects', async () => {
      const proof = tampered(proofs[5]!);
      expect((await verifier.verify(proof)).outcome).toBe('invalid');
      const { code, output } = await snarkjsCli(proof);
      expect(output).toMatch(/Invalid proof/);
      expect(output).not.toMatch(/OK/);
      expect(code).not.toBe(0);
    }, 240_000);
  });
});
