import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileEntry } from '@consortium/circuits';
import { KEYS_MANIFEST_FILE, KEYS_MANIFEST_FORMAT, type CircuitKeys, type KeysManifest } from './manifest.js';

/**
 * Lays out a keys folder from key files made elsewhere: copies each circuit's r1cs, wasm, zkey
 * and vkey as `<circuit>.<kind>` and writes keys-manifest.json (last: its presence means the
 * folder is complete). For keys that did not come from `consortium-setup ceremony demo`, which
 * writes its own folder: an imported ceremony's output, or test keys.
 */
export interface KeyFilesToAssemble {
  readonly epoch: number;
  readonly insecure: boolean;
  readonly ceremony: KeysManifest['ceremony'];
  readonly ptau: { readonly power: number; readonly path: string };
  readonly circuits: readonly {
    readonly name: string;
    readonly constraints: number;
    readonly r1cs: string;
    readonly wasm: string;
    readonly zkey: string;
    readonly vkey: string;
  }[];
}

export async function assembleKeysFolder(dir: string, input: KeyFilesToAssemble): Promise<KeysManifest> {
  await mkdir(dir, { recursive: true });
  const copy = async (source: string, name: string) => {
    await copyFile(source, join(dir, name));
    return fileEntry(join(dir, name), name);
  };
  const circuits: Record<string, CircuitKeys> = {};
  for (const circuit of input.circuits) {
    circuits[circuit.name] = {
      constraints: circuit.constraints,
      r1cs: await copy(circuit.r1cs, `${circuit.name}.r1cs`),
      wasm: await copy(circuit.wasm, `${circuit.name}.wasm`),
      zkey: await copy(circuit.zkey, `${circuit.name}.zkey`),
      vkey: await copy(circuit.vkey, `${circuit.name}.vkey.json`),
    };
  }
  const manifest: KeysManifest = {
    format: KEYS_MANIFEST_FORMAT,
    epoch: input.epoch,
    insecure: input.insecure,
    ceremony: input.ceremony,
    createdAt: new Date().toISOString(),
    ptau: { power: input.ptau.power, file: await copy(input.ptau.path, basename(input.ptau.path)) },
    circuits,
  };
  await writeFile(join(dir, KEYS_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
