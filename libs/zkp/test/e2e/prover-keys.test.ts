// The prover and the keys genesis pins, with real proofs on settlement-4: a proving key swapped
// on disk under a running pool is refused by the worker, and a proving key that does not belong
// to the pinned verification key never gets a proof out of the pool. The "other" key is a real
// settlement-4 key of another setup (one more phase-2 contribution on the test key): it proves
// fine, and its proofs verify against its own verification key only.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { circuitDefinition, sha256File } from '@consortium/circuits';
import { ensureTestKeys, type TestKeys } from '../../src/index.js';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyPinMismatchError, ProofSelfVerificationError, ProverPool, type ProveJob } from '../../src/prover/index.js';
import { buildSettlementWitness } from '../../src/witness/witness.js';
import { sampleBatch } from '../support/batches.js';

const CIRCUIT = 'settlement-4';

let keys: TestKeys;
let dir: string;
/** The copy of the pinned proving key the pool reads; the tests swap it. */
let zkeyPath: string;
let otherZkeyPath: string;
let pinned: { wasmSha256: string; zkeySha256: string; vkey: snarkjs.VerificationKey };
let otherSha256: string;
let otherVkey: snarkjs.VerificationKey;
let telemetry: Telemetry;

function job(extra: Partial<ProveJob> = {}): ProveJob {
  const { input } = buildSettlementWitness(sampleBatch(), circuitDefinition(CIRCUIT).params);
  return { circuit: CIRCUIT, epoch: 1, wasmPath: keys.wasmPath, zkeyPath, ...pinned, input, ...extra };
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await telemetry.registry.getSingleMetric(name)!.get();
  return values.find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value ?? 0;
}

beforeAll(async () => {
  keys = await ensureTestKeys(CIRCUIT);
  dir = await mkdtemp(join(tmpdir(), 'prover-keys-'));
  zkeyPath = join(dir, 'settlement-4.zkey');
  otherZkeyPath = join(dir, 'other-setup.zkey');
  await copyFile(keys.zkeyPath, zkeyPath);
  await snarkjs.zKey.contribute(keys.zkeyPath, otherZkeyPath, 'another setup', randomBytes(32).toString('hex'));
  otherVkey = await snarkjs.zKey.exportVerificationKey(otherZkeyPath);
  pinned = { wasmSha256: await sha256File(keys.wasmPath), zkeySha256: await sha256File(keys.zkeyPath), vkey: keys.vkey as unknown as snarkjs.VerificationKey };
  otherSha256 = await sha256File(otherZkeyPath);
  telemetry = setupTelemetry({ serviceName: 'prover-keys-e2e', memberId: 'Orange-FR', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
}, 180_000);

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  await telemetry?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('the prover and the pinned keys (real proofs, settlement-4)', () => {
  // Old code: the worker reloaded a zkey whose mtime changed, without any pin, and proved with it.
  it('refuses a proving key swapped on disk under a running pool (KeyPinMismatchError, counted); proves again once it is restored', async () => {
    // One file in memory per worker: every job reads (and checks) its files again.
    const pool = await ProverPool.create({ workers: 1, maxCachedFiles: 1, metrics: telemetry.metrics.zkp });
    try {
      await expect(pool.prove(job())).resolves.toMatchObject({ circuit: CIRCUIT });
      await copyFile(otherZkeyPath, zkeyPath);
      const error = await pool.prove(job()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeyPinMismatchError);
      expect(error).toMatchObject({ artifact: 'zkey', path: zkeyPath, pinnedSha256: pinned.zkeySha256, actualSha256: otherSha256 });
      expect(await counter('consortium_zkp_key_pin_refusals_total', { artifact: 'zkey' })).toBe(1);
      await copyFile(keys.zkeyPath, zkeyPath);
      await expect(pool.prove(job())).resolves.toMatchObject({ circuit: CIRCUIT });
    } finally {
      await pool.close();
      await copyFile(keys.zkeyPath, zkeyPath);
    }
  });

  // Old code: whatever the proving key made left the pool, verified by nobody.
  it('never hands out a proof made with a proving key that does not match the pinned verification key', async () => {
    const pool = await ProverPool.create({ workers: 1, metrics: telemetry.metrics.zkp });
    try {
      // The other setup's key, pinned by hash (as a genesis pinning a mismatched pair would), checked against the consortium's verification key.
      const error = await pool.prove(job({ zkeyPath: otherZkeyPath, zkeySha256: otherSha256 })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProofSelfVerificationError);
      expect(error).toMatchObject({ circuit: CIRCUIT, epoch: 1, reason: 'InvalidProofError' });
      expect(await counter('consortium_zkp_prover_self_verifications_total', { circuit: CIRCUIT, outcome: 'refused' })).toBe(1);
      // The proof itself was a real one: checked against the key it belongs to, it is handed out.
      const proof = await pool.prove(job({ zkeyPath: otherZkeyPath, zkeySha256: otherSha256, vkey: otherVkey }));
      expect(await snarkjs.groth16.verify(otherVkey, [...proof.publicSignals], proof.proof)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
