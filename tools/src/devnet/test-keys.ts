import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleKeysFolder, contributePhase2, ensureTestKeys, exportVerificationKey, genesisArtifactPins, genesisTrustedSetupOf, type KeysManifest } from '@consortium/zkp';

/**
 * A keys folder as `consortium-setup ceremony demo` writes it (keys, manifest and the pins
 * genesis takes), from the cached test keys of a small circuit: a settlement devnet for tests
 * and benchmarks in seconds instead of a ceremony's minutes.
 */
export async function writeTestKeysFolder(dir: string, circuit = 'settlement-4', epoch = 1, keyFiles?: { readonly zkey: string; readonly vkey: string }): Promise<KeysManifest> {
  const keys = await ensureTestKeys(circuit);
  const manifest = await assembleKeysFolder(dir, {
    epoch,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [
      {
        name: circuit,
        constraints: keys.circuit.manifest.constraints,
        r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path),
        wasm: keys.wasmPath,
        zkey: keyFiles?.zkey ?? keys.zkeyPath,
        vkey: keyFiles?.vkey ?? keys.vkeyPath,
      },
    ],
  });
  await writeFile(join(dir, 'genesis-artifacts.json'), JSON.stringify({ artifacts: genesisArtifactPins(manifest), trustedSetup: genesisTrustedSetupOf(manifest) }));
  return manifest;
}

/**
 * The keys folder of a later key epoch (a key rotation's new ceremony), in seconds: the test keys
 * with one more phase 2 contribution, so its proofs verify under its own key only.
 */
export async function writeNextEpochTestKeysFolder(dir: string, epoch: number, circuit = 'settlement-4'): Promise<KeysManifest> {
  const keys = await ensureTestKeys(circuit);
  await mkdir(dir, { recursive: true });
  const zkey = join(dir, `.${circuit}.contributed.zkey`);
  const vkey = join(dir, `.${circuit}.contributed.vkey.json`);
  await contributePhase2(keys.zkeyPath, zkey, `key epoch ${epoch}`);
  await writeFile(vkey, JSON.stringify(await exportVerificationKey(zkey), null, 1));
  const manifest = await writeTestKeysFolder(dir, circuit, epoch, { zkey, vkey });
  await Promise.all([rm(zkey), rm(vkey)]);
  return manifest;
}

