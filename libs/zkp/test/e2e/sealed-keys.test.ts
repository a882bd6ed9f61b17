// Proving keys sealed by a key outside the process (in production an AES key in the node's HSM,
// @consortium/consensus's Pkcs11AesKey; here AES-256-GCM from node:crypto behind the same
// ProvingKeySealer interface, since this library cannot depend on consensus): the folder holds
// only `<zkey>.sealed`, loadEpoch opens it in memory against its pin, and the prover pool proves
// from those bytes without the plain key ever being on disk.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { circuitDefinition } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleKeysFolder,
  ensureTestKeys,
  genesisArtifactPins,
  loadEpoch,
  provingKeyOf,
  SealedKeyError,
  sealProvingKey,
  sealProvingKeyFile,
  SEALED_SUFFIX,
  type KeysManifest,
  type ProvingKeySealer,
} from '../../src/index.js';
import { ProverPool } from '../../src/prover/index.js';
import { buildSettlementWitness } from '../../src/witness/witness.js';
import { sampleBatch } from '../support/batches.js';

const CIRCUIT = 'settlement-4';

/** AES-256-GCM with a key in this process: the HSM's operation, done in software. */
function softwareSealer(label: string): ProvingKeySealer {
  const key = randomBytes(32);
  return {
    label,
    encrypt(plain, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    },
    decrypt(sealed, aad) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.byteLength - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.byteLength - 16)), decipher.final()]);
    },
  };
}

let dir: string;
let manifest: KeysManifest;
const sealer = softwareSealer('"seal-keys" in a test');
const pinsOf = () => ({ artifacts: genesisArtifactPins(manifest), trustedSetup: { kind: 'demo' as const, transcriptSha256: null }, network: 'devnet' as const });

beforeAll(async () => {
  const keys = await ensureTestKeys(CIRCUIT);
  dir = await mkdtemp(join(tmpdir(), 'sealed-keys-'));
  manifest = await assembleKeysFolder(dir, {
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [{ name: CIRCUIT, constraints: keys.circuit.manifest.constraints, r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path), wasm: keys.wasmPath, zkey: keys.zkeyPath, vkey: keys.vkeyPath }],
  });
  // seal the proving key in place, as `consortium-setup seal-keys` does
  await sealProvingKeyFile(dir, manifest.circuits[CIRCUIT]!.zkey, sealer);
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a proving key sealed by a key outside the process', () => {
  it('loads opened in memory, and the prover pool proves from those bytes', async () => {
    expect((await readdir(dir)).filter((name) => name.includes('.zkey'))).toEqual([`${CIRCUIT}.zkey${SEALED_SUFFIX}`]);
    const loaded = await loadEpoch(dir, pinsOf(), { sealer });
    const circuit = loaded.circuits.get(CIRCUIT)!;
    expect(circuit.zkeyPath.endsWith(SEALED_SUFFIX)).toBe(true);
    expect(circuit.zkeyBytes?.byteLength).toBe(manifest.circuits[CIRCUIT]!.zkey.bytes);

    const pool = await ProverPool.create({ workers: 1 });
    try {
      const { input } = buildSettlementWitness(sampleBatch(), circuitDefinition(CIRCUIT).params);
      // twice: the second job names the key the worker was given by the first
      for (let i = 0; i < 2; i++) {
        const proof = await pool.prove({ ...provingKeyOf(circuit), circuit: CIRCUIT, epoch: 1, input });
        expect(proof.circuit).toBe(CIRCUIT);
      }
    } finally {
      await pool.close();
    }
  });

  it('refuses to load without the sealing key, with another one, or a sealed file renamed to stand for another', async () => {
    await expect(loadEpoch(dir, pinsOf())).rejects.toThrow(SealedKeyError);
    await expect(loadEpoch(dir, pinsOf())).rejects.toThrow(/sealed by a key in an HSM: give the node its PKCS#11 URI/);
    await expect(loadEpoch(dir, pinsOf(), { sealer: softwareSealer('"another" key') })).rejects.toThrow(/does not open with "another" key: altered, sealed with another key/);

    const sealedPath = join(dir, `${CIRCUIT}.zkey${SEALED_SUFFIX}`);
    const original = await readFile(sealedPath);
    const altered = Buffer.from(original);
    altered[altered.byteLength - 100]! ^= 1;
    await writeFile(sealedPath, altered);
    try {
      await expect(loadEpoch(dir, pinsOf(), { sealer })).rejects.toThrow(SealedKeyError);
    } finally {
      await writeFile(sealedPath, original);
    }
    // the same bytes under another name (another circuit's key, say) do not open: the name is authenticated
    const renamed = sealProvingKey(sealer, new Uint8Array(32), 'settlement-16.zkey', manifest.circuits[CIRCUIT]!.zkey.sha256);
    await rename(sealedPath, `${sealedPath}.kept`);
    await writeFile(sealedPath, renamed);
    try {
      await expect(loadEpoch(dir, pinsOf(), { sealer })).rejects.toThrow(/does not open/);
    } finally {
      await rename(`${sealedPath}.kept`, sealedPath);
    }
  });
});
