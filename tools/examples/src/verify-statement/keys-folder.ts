import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { KEYS_MANIFEST_FILE } from '@consortium/zkp';
import { KeysFolderError } from './errors.js';
import type { LocalVerificationKey } from './checks.js';

/**
 * The verification key file of (epoch, circuit) in a node's keys folder (a ceremony's output:
 * keys-manifest.json and the files it lists, e.g. `.devnet/keys`). Only read here: whether the
 * file is the one the chain pins is a check (checkVerificationKeyPin), not this module's call.
 */

/** Bound on the file read (a verification key with 1,024 public inputs is about 200 KiB). */
const VKEY_MAX_BYTES = 4 * 1024 * 1024;

interface ManifestView {
  readonly epoch?: unknown;
  readonly circuits?: Record<string, { readonly vkey?: { readonly path?: unknown } } | undefined>;
}

export async function readVerificationKey(keysDir: string, epoch: number, circuit: string): Promise<LocalVerificationKey> {
  const manifestPath = join(keysDir, KEYS_MANIFEST_FILE);
  let manifest: ManifestView;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ManifestView;
  } catch (error) {
    throw new KeysFolderError(`cannot read ${manifestPath}: ${(error as Error).message}. Pass with --keys the node's keys folder (npm start's is .devnet/keys).`);
  }
  if (manifest.epoch !== epoch) {
    throw new KeysFolderError(`${manifestPath} holds the keys of epoch ${String(manifest.epoch)}; the statement was proved under epoch ${epoch}: pass that epoch's keys folder with --keys`);
  }
  const path = manifest.circuits?.[circuit]?.vkey?.path;
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
    throw new KeysFolderError(`${manifestPath} lists no verification key file for ${circuit} (circuits.${circuit}.vkey.path, a file inside the folder)`);
  }
  const file = join(keysDir, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new KeysFolderError(`cannot read ${file}, the verification key of ${circuit}: ${(error as Error).message}`);
  }
  if (bytes.length > VKEY_MAX_BYTES) throw new KeysFolderError(`${file}: ${bytes.length} bytes, more than a verification key can be (${VKEY_MAX_BYTES})`);
  return { path: file, bytes: new Uint8Array(bytes) };
}
