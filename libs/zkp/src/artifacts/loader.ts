import { createHash } from 'node:crypto';
import { access, readFile, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, sep } from 'node:path';
import { sha256File } from '@consortium/circuits';
import type { VerificationKey } from '../groth16-json.js';
import { UncontributedVerificationKeyError, VerificationKeyError } from '../verifier/errors.js';
import { parseVerificationKey } from '../verifier/keys.js';
import {
  ArtifactHashMismatchError,
  ArtifactPathError,
  InvalidArtifactError,
  KeysManifestError,
  MissingArtifactError,
  SealedKeyError,
  SetupKindMismatchError,
  UncontributedKeyError,
  UnpinnedCircuitError,
} from './errors.js';
import { artifactName, KEYS_MANIFEST_FILE, KEYS_MANIFEST_FORMAT, manifestSetupKind, PINNED_KINDS, type KeysManifest, type PinnedKind } from './manifest.js';
import { openSealedProvingKey, SEALED_SUFFIX, type ProvingKeySealer } from './sealed.js';
import { assertSetupAllowed, type GenesisKeyPins, type TrustedSetupPin } from './setup-policy.js';

/**
 * Loads the keys of one epoch from a folder (a ceremony's output) and refuses anything genesis
 * did not pin: the setup's kind must be pinned and allowed on this network (assertSetupAllowed),
 * every pinned file is hashed and compared with its genesis pin, every path the (unpinned)
 * manifest names must stay inside the folder, and a verification key whose phase 2 had no
 * contribution is refused. The verification key is hashed and parsed from the same bytes, read
 * once. A node calls this before it starts; a refusal stops the start with a message naming
 * the file and both hashes.
 */

export interface LoadedCircuit {
  readonly name: string;
  readonly constraints: number;
  /** Real paths inside the keys folder. */
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /**
   * The proving key opened in memory, when the folder holds it sealed (zkeyPath is then the
   * sealed file): provers take it from here, never from disk. Checked against its pin.
   */
  readonly zkeyBytes?: Uint8Array;
  /** The verification key file, read and checked once at load (vkey below); a key epoch registered on chain carries its bytes. */
  readonly vkeyPath: string;
  /** The genesis pins of the two files a prover worker reads; it checks them on every load. */
  readonly wasmSha256: string;
  readonly zkeySha256: string;
  readonly vkeySha256: string;
  readonly vkey: VerificationKey;
}

export interface LoadedEpoch {
  readonly epoch: number;
  /** True when genesis pins a demo setup (its one party could forge proofs): from genesis, never from the manifest. */
  readonly insecure: boolean;
  readonly setup: TrustedSetupPin;
  readonly circuits: ReadonlyMap<string, LoadedCircuit>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Bound on the verification key file read into memory (a key with 1,024 public inputs is about 200 KiB). */
const VKEY_MAX_BYTES = 4 * 1024 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkFileEntry(value: unknown, where: string, file: string): void {
  if (!isObject(value)) throw new KeysManifestError(`${file}: ${where} is missing (every circuit lists its r1cs, wasm, zkey and vkey as { path, sha256, bytes })`);
  if (typeof value.path !== 'string' || value.path === '') throw new KeysManifestError(`${file}: ${where}.path must be a file name`);
  if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256)) throw new KeysManifestError(`${file}: ${where}.sha256 must be a lowercase sha256 hex digest`);
}

/** The manifest with every field the loader reads checked: a malformed one is a KeysManifestError, never a TypeError. */
function checkManifest(raw: unknown, file: string): KeysManifest {
  if (!isObject(raw)) throw new KeysManifestError(`${file}: must be a JSON object`);
  if (raw.format !== KEYS_MANIFEST_FORMAT) throw new KeysManifestError(`${file}: format must be ${KEYS_MANIFEST_FORMAT}, found ${JSON.stringify(raw.format)}`);
  if (typeof raw.epoch !== 'number' || !Number.isSafeInteger(raw.epoch) || raw.epoch < 1) throw new KeysManifestError(`${file}: epoch must be a positive integer`);
  if (typeof raw.insecure !== 'boolean') throw new KeysManifestError(`${file}: insecure must be true or false`);
  if (raw.ceremony !== 'demo' && raw.ceremony !== 'multi-party') throw new KeysManifestError(`${file}: ceremony must be "demo" or "multi-party"`);
  if (!isObject(raw.circuits)) throw new KeysManifestError(`${file}: circuits is missing`);
  for (const [name, keys] of Object.entries(raw.circuits)) {
    if (!isObject(keys)) throw new KeysManifestError(`${file}: circuits.${name} must be an object`);
    if (typeof keys.constraints !== 'number' || !Number.isSafeInteger(keys.constraints) || keys.constraints < 0) throw new KeysManifestError(`${file}: circuits.${name}.constraints must be a non-negative integer`);
    for (const kind of PINNED_KINDS) checkFileEntry(keys[kind], `circuits.${name}.${kind}`, file);
  }
  return raw as unknown as KeysManifest;
}

async function readManifest(dir: string): Promise<KeysManifest> {
  const file = join(dir, KEYS_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new MissingArtifactError(`cannot read ${file}: ${(error as Error).message}. Run \`consortium-setup ceremony demo --out ${dir}\` or copy the ceremony's keys there.`);
  }
  return checkManifest(raw, file);
}

/**
 * The real path of a manifest entry, refused unless it is a relative path without `..` that
 * resolves (symbolic links followed) to a file inside the keys folder.
 */
async function pathInside(keysDir: string, realKeysDir: string, path: string, artifact: string): Promise<string> {
  if (isAbsolute(path)) throw new ArtifactPathError(path, keysDir, 'is absolute');
  if (path.split(/[\\/]/).includes('..')) throw new ArtifactPathError(path, keysDir, 'climbs out with ".."');
  let real: string;
  try {
    real = await realpath(join(realKeysDir, path));
  } catch (error) {
    throw new MissingArtifactError(`${join(keysDir, path)} (${artifact}) cannot be read: ${(error as Error).message}`);
  }
  if (!real.startsWith(realKeysDir + sep)) throw new ArtifactPathError(path, keysDir, `leads outside the folder through a symbolic link (to ${real})`);
  return real;
}

/**
 * Checks a verification key is usable: Groth16 on bn128, well formed, and phase 2 really had a
 * contribution (hasPhase2Contribution, the one check of it). Throws UncontributedKeyError or
 * InvalidArtifactError naming `where`.
 */
export function assertContributedKey(vkey: unknown, where: string): VerificationKey {
  try {
    parseVerificationKey(vkey);
  } catch (error) {
    if (error instanceof UncontributedVerificationKeyError) throw new UncontributedKeyError(`${where}: ${error.message}; refusing this key`, { cause: error });
    if (error instanceof VerificationKeyError) throw new InvalidArtifactError(`${where}: not a usable Groth16 bn128 verification key: ${error.message}`, { cause: error });
    throw error;
  }
  return vkey as VerificationKey;
}

function assertPinned(file: string, artifact: string, pinned: string, actual: string): void {
  if (actual !== pinned) throw new ArtifactHashMismatchError(file, pinned, actual, artifact);
}

/** Reads the verification key once: the bytes hashed are the bytes parsed. */
async function loadVerificationKey(file: string, artifact: string, pinned: string): Promise<VerificationKey> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new MissingArtifactError(`${file} (${artifact}) cannot be read: ${(error as Error).message}`);
  }
  assertPinned(file, artifact, pinned, createHash('sha256').update(bytes).digest('hex'));
  if (bytes.length > VKEY_MAX_BYTES) throw new InvalidArtifactError(`${file}: ${bytes.length} bytes, more than a verification key can be (${VKEY_MAX_BYTES})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidArtifactError(`${file}: not JSON: ${(error as Error).message}`);
  }
  return assertContributedKey(parsed, file);
}

async function hashPinnedFile(file: string, artifact: string, pinned: string): Promise<void> {
  const actual = await sha256File(file).catch((error: unknown) => {
    throw new MissingArtifactError(`${file} (${artifact}) cannot be read: ${(error as Error).message}`);
  });
  assertPinned(file, artifact, pinned, actual);
}

export interface LoadEpochOptions {
  /** Opens proving keys stored sealed (`<zkey>.sealed`): the node's HSM sealing key. */
  readonly sealer?: ProvingKeySealer;
}

export async function loadEpoch(dir: string, pins: GenesisKeyPins, options: LoadEpochOptions = {}): Promise<LoadedEpoch> {
  const setup = assertSetupAllowed(pins.trustedSetup, pins.network);
  const manifest = await readManifest(dir);
  const manifestFile = join(dir, KEYS_MANIFEST_FILE);
  const manifestKind = manifestSetupKind(manifest);
  if (manifestKind !== setup.kind) throw new SetupKindMismatchError(setup.kind, manifestKind, manifestFile);
  const realDir = await realpath(dir).catch((error: unknown) => {
    throw new MissingArtifactError(`the keys folder ${dir} cannot be read: ${(error as Error).message}`);
  });
  const circuits = new Map<string, LoadedCircuit>();
  for (const [name, keys] of Object.entries(manifest.circuits)) {
    const files = {} as Record<PinnedKind, { path: string; pin: string }>;
    let zkeyBytes: Uint8Array | null = null;
    for (const kind of PINNED_KINDS) {
      const artifact = artifactName(manifest.epoch, name, kind);
      const pin = pins.artifacts[artifact];
      if (pin === undefined) throw new UnpinnedCircuitError(`${artifact} is in ${manifestFile} but not pinned in genesis: keys outside genesis are never loaded`);
      if (kind === 'zkey' && (await isSealed(dir, keys.zkey.path))) {
        // Only `<zkey>.sealed` is on disk: opened here, in memory, with the sealing key (sealed.ts).
        const sealedPath = await pathInside(dir, realDir, `${keys.zkey.path}${SEALED_SUFFIX}`, artifact);
        if (options.sealer === undefined) throw new SealedKeyError(`${sealedPath} is sealed by a key in an HSM: give the node its PKCS#11 URI (node.json provingKeySealPkcs11Uri)`);
        zkeyBytes = openSealedProvingKey(options.sealer, new Uint8Array(await readFile(sealedPath)), basename(keys.zkey.path), pin, sealedPath);
        files[kind] = { path: sealedPath, pin };
        continue;
      }
      files[kind] = { path: await pathInside(dir, realDir, keys[kind].path, artifact), pin };
    }
    await hashPinnedFile(files.wasm.path, artifactName(manifest.epoch, name, 'wasm'), files.wasm.pin);
    if (zkeyBytes === null) await hashPinnedFile(files.zkey.path, artifactName(manifest.epoch, name, 'zkey'), files.zkey.pin);
    const vkey = await loadVerificationKey(files.vkey.path, artifactName(manifest.epoch, name, 'vkey'), files.vkey.pin);
    circuits.set(name, {
      name,
      constraints: keys.constraints,
      wasmPath: files.wasm.path,
      zkeyPath: files.zkey.path,
      ...(zkeyBytes === null ? {} : { zkeyBytes }),
      vkeyPath: files.vkey.path,
      wasmSha256: files.wasm.pin,
      zkeySha256: files.zkey.pin,
      vkeySha256: files.vkey.pin,
      vkey,
    });
  }
  const listed = new Set([...circuits.keys()].flatMap((name) => PINNED_KINDS.map((kind) => artifactName(manifest.epoch, name, kind))));
  const missing = Object.keys(pins.artifacts).filter((artifact) => artifact.startsWith(`epoch-${manifest.epoch}/`) && !listed.has(artifact));
  if (missing.length > 0) throw new MissingArtifactError(`genesis pins ${missing.join(', ')}, which ${manifestFile} does not list`);
  return { epoch: manifest.epoch, insecure: setup.kind === 'demo', setup, circuits };
}

/** Whether the folder holds `path` only sealed: `<path>.sealed` and no plain file. */
async function isSealed(dir: string, path: string): Promise<boolean> {
  const exists = (file: string) => access(join(dir, file)).then(() => true, () => false);
  return !(await exists(path)) && (await exists(`${path}${SEALED_SUFFIX}`));
}
