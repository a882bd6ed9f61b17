import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '@consortium/circuits';
import type { VerificationKey } from 'snarkjs';
import { ArtifactHashMismatchError, KeysManifestError, MissingArtifactError, UncontributedKeyError, UnpinnedCircuitError } from './errors.js';
import { artifactName, KEYS_MANIFEST_FILE, KEYS_MANIFEST_FORMAT, PINNED_KINDS, type KeysManifest } from './manifest.js';

/**
 * Loads the keys of one epoch from a folder (a ceremony's output) and refuses anything genesis
 * did not pin: every pinned file is hashed and compared with its genesis pin, and a
 * verification key whose phase 2 had no contribution is refused. A node calls this before it
 * starts; a refusal stops the start with a message naming the file and both hashes.
 */

export interface LoadedCircuit {
  readonly name: string;
  readonly constraints: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkey: VerificationKey;
}

export interface LoadedEpoch {
  readonly epoch: number;
  readonly insecure: boolean;
  readonly circuits: ReadonlyMap<string, LoadedCircuit>;
}

async function readManifest(dir: string): Promise<KeysManifest> {
  const file = join(dir, KEYS_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new MissingArtifactError(`cannot read ${file}: ${(error as Error).message}. Run \`consortium-setup ceremony demo --out ${dir}\` or copy the ceremony's keys there.`);
  }
  const manifest = raw as Partial<KeysManifest>;
  if (manifest.format !== KEYS_MANIFEST_FORMAT) throw new KeysManifestError(`${file}: format must be ${KEYS_MANIFEST_FORMAT}, found ${JSON.stringify(manifest.format)}`);
  if (!Number.isSafeInteger(manifest.epoch) || (manifest.epoch ?? 0) < 1) throw new KeysManifestError(`${file}: epoch must be a positive integer`);
  if (typeof manifest.circuits !== 'object' || manifest.circuits === null) throw new KeysManifestError(`${file}: circuits is missing`);
  return manifest as KeysManifest;
}

function sameG2(a: readonly (readonly string[])[], b: readonly (readonly string[])[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Checks a verification key is usable: Groth16 on bn128, and phase 2 really had a contribution. */
export function assertContributedKey(vkey: VerificationKey, where: string): void {
  if (vkey.protocol !== 'groth16' || vkey.curve !== 'bn128') throw new KeysManifestError(`${where}: not a Groth16 bn128 verification key`);
  if (sameG2(vkey.vk_gamma_2, vkey.vk_delta_2)) {
    throw new UncontributedKeyError(`${where}: vk_gamma_2 equals vk_delta_2, so phase 2 had no contribution and proofs can be forged; refusing this key`);
  }
}

export async function loadEpoch(dir: string, pins: Readonly<Record<string, string>>): Promise<LoadedEpoch> {
  const manifest = await readManifest(dir);
  const circuits = new Map<string, LoadedCircuit>();
  for (const [name, keys] of Object.entries(manifest.circuits)) {
    for (const kind of PINNED_KINDS) {
      const artifact = artifactName(manifest.epoch, name, kind);
      const pinned = pins[artifact];
      if (pinned === undefined) throw new UnpinnedCircuitError(`${artifact} is in ${join(dir, KEYS_MANIFEST_FILE)} but not pinned in genesis: keys outside genesis are never loaded`);
      const file = join(dir, keys[kind].path);
      const actual = await sha256File(file).catch((error: unknown) => {
        throw new MissingArtifactError(`${file} (${artifact}) cannot be read: ${(error as Error).message}`);
      });
      if (actual !== pinned) throw new ArtifactHashMismatchError(file, pinned, actual, artifact);
    }
    const vkeyFile = join(dir, keys.vkey.path);
    const vkey = JSON.parse(await readFile(vkeyFile, 'utf8')) as VerificationKey;
    assertContributedKey(vkey, vkeyFile);
    circuits.set(name, { name, constraints: keys.constraints, wasmPath: join(dir, keys.wasm.path), zkeyPath: join(dir, keys.zkey.path), vkey });
  }
  const missing = Object.keys(pins).filter((artifact) => artifact.startsWith(`epoch-${manifest.epoch}/`) && !PINNED_KINDS.some((kind) => [...circuits.keys()].some((name) => artifact === artifactName(manifest.epoch, name, kind))));
  if (missing.length > 0) throw new MissingArtifactError(`genesis pins ${missing.join(', ')}, which ${join(dir, KEYS_MANIFEST_FILE)} does not list`);
  return { epoch: manifest.epoch, insecure: manifest.insecure, circuits };
}
