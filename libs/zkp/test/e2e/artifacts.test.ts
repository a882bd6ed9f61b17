import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestKeys, fileEntry } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTelemetry } from '@consortium/telemetry';
import { sampleBatch } from '../support/batches.js';
import {
  ArtifactHashMismatchError,
  assembleKeysFolder,
  genesisArtifactPins,
  Groth16Verifier,
  KeyEpochs,
  proveSettlement,
  ProverPool,
  loadEpoch,
  MissingArtifactError,
  UncontributedKeyError,
  UnpinnedCircuitError,
  type KeysManifest,
} from '../../src/index.js';

/** A keys folder laid out as a ceremony writes it, from the test keys of settlement-4. */
let dir: string;
let manifest: KeysManifest;

beforeAll(async () => {
  const keys = await ensureTestKeys('settlement-4');
  dir = await mkdtemp(join(tmpdir(), 'keys-'));
  manifest = await assembleKeysFolder(dir, {
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [
      {
        name: 'settlement-4',
        constraints: keys.circuit.manifest.constraints,
        r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path),
        wasm: keys.wasmPath,
        zkey: keys.zkeyPath,
        vkey: keys.vkeyPath,
      },
    ],
  });
}, 300_000);

afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('loading keys pinned in genesis', () => {
  it('loads the epoch when every pinned hash matches', async () => {
    const loaded = await loadEpoch(dir, genesisArtifactPins(manifest));
    expect(loaded.epoch).toBe(1);
    expect(loaded.insecure).toBe(true);
    const circuit = loaded.circuits.get('settlement-4');
    expect(circuit?.constraints).toBe(manifest.circuits['settlement-4']!.constraints);
    expect(circuit?.vkey.nPublic).toBe(8); // circuit v2's public inputs
  });

  it('refuses a file whose hash differs from its pin, naming the file and both hashes', async () => {
    const pins = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-4.zkey': 'f'.repeat(64) };
    const error = await loadEpoch(dir, pins).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArtifactHashMismatchError);
    const mismatch = error as ArtifactHashMismatchError;
    expect(mismatch.file).toBe(join(dir, 'settlement-4.zkey'));
    expect(mismatch.pinnedSha256).toBe('f'.repeat(64));
    expect(mismatch.actualSha256).toBe(manifest.circuits['settlement-4']!.zkey.sha256);
    expect(mismatch.message).toContain('epoch-1/settlement-4.zkey is pinned to sha256 ffff');
  });

  it('refuses keys that genesis does not pin, and pins the folder does not hold', async () => {
    await expect(loadEpoch(dir, {})).rejects.toBeInstanceOf(UnpinnedCircuitError);
    const extra = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-64.vkey': 'a'.repeat(64) };
    await expect(loadEpoch(dir, extra)).rejects.toThrow(/genesis pins epoch-1\/settlement-64.vkey/);
  });

  it('refuses a verification key whose phase 2 had no contribution (gamma = delta)', async () => {
    const vkeyFile = join(dir, 'settlement-4.vkey.json');
    const original = await readFile(vkeyFile, 'utf8');
    const vkey = JSON.parse(original) as Record<string, unknown>;
    await writeFile(vkeyFile, JSON.stringify({ ...vkey, vk_delta_2: vkey.vk_gamma_2 }));
    try {
      const forged = { ...manifest, circuits: { 'settlement-4': { ...manifest.circuits['settlement-4']!, vkey: await fileEntry(vkeyFile, 'settlement-4.vkey.json') } } };
      await expect(loadEpoch(dir, genesisArtifactPins(forged))).rejects.toBeInstanceOf(UncontributedKeyError);
    } finally {
      await writeFile(vkeyFile, original);
    }
  });

  it('says what to run when the folder has no manifest', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-keys-'));
    await expect(loadEpoch(empty, {})).rejects.toThrow(MissingArtifactError);
    await expect(loadEpoch(empty, {})).rejects.toThrow(/consortium-setup ceremony demo --out/);
    await rm(empty, { recursive: true });
  });
});

describe('the pipeline: pinned keys -> prover pool -> verifier', () => {
  it('proves a batch with the loaded epoch and verifies it by the epoch the proof names', async () => {
    const telemetry = setupTelemetry({ serviceName: 'zkp-test', memberId: 'Orange-FR', env: {}, collectors: false, registerGlobal: false, logLevel: 'silent' });
    const epochs = new KeyEpochs(telemetry.metrics.zkp);
    epochs.add(await loadEpoch(dir, genesisArtifactPins(manifest)));
    const pool = new ProverPool({ workers: 1, metrics: telemetry.metrics.zkp });
    const verifier = new Groth16Verifier(epochs.verificationKeys, { metrics: telemetry.metrics.zkp, security: telemetry.metrics.security, tracer: null });
    try {
      await pool.start();
      const proof = await proveSettlement(pool, epochs, 'settlement-4', sampleBatch());
      expect(proof).toMatchObject({ epoch: 1, circuit: 'settlement-4' });
      expect((await verifier.verify(proof)).outcome).toBe('valid');
      expect((await verifier.verify({ ...proof, epoch: 2 })).outcome).toBe('error'); // no such epoch
      expect((await telemetry.renderMetrics()).body).toContain(`consortium_zkp_circuit_constraints{circuit="settlement-4"} ${manifest.circuits['settlement-4']!.constraints}`);
    } finally {
      await pool.close();
      await verifier.close();
      await telemetry.shutdown();
    }
  }, 120_000);
});
