import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleKeysFolder, ensureTestKeys, genesisArtifactPins, genesisTrustedSetupOf, type KeysManifest } from '@consortium/zkp';

/**
 * A keys folder as `consortium-setup ceremony demo` writes it (keys, manifest and the pins
 * genesis takes), from the cached test keys of a small circuit: a settlement devnet for tests
 * and benchmarks in seconds instead of a ceremony's minutes.
 */
export async function writeTestKeysFolder(dir: string, circuit = 'settlement-4'): Promise<KeysManifest> {
  const keys = await ensureTestKeys(circuit);
  const manifest = await assembleKeysFolder(dir, {
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [{ name: circuit, constraints: keys.circuit.manifest.constraints, r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path), wasm: keys.wasmPath, zkey: keys.zkeyPath, vkey: keys.vkeyPath }],
  });
  await writeFile(join(dir, 'genesis-artifacts.json'), JSON.stringify({ artifacts: genesisArtifactPins(manifest), trustedSetup: genesisTrustedSetupOf(manifest) }));
  return manifest;
}
