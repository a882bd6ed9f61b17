import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FileEntry } from '@consortium/circuits';
import { SealedKeyError } from './errors.js';

/**
 * Proving keys sealed by a key held in an HSM: on disk only as `<zkey>.sealed`, opened in the
 * prover's memory when the node starts. Whoever copies the keys folder without the HSM gets
 * nothing it can prove with. The sealer is @consortium/consensus's Pkcs11AesKey (AES-256-GCM
 * inside the token); this library only knows its shape.
 *
 * The file: `consortium-sealed/1\n`, then what the sealer's encrypt returned (its IV, the
 * ciphertext and tag). The authenticated data binds it to the file name and the pin of the plain
 * key, so a sealed file renamed, swapped for another circuit's or altered does not open.
 */

export interface ProvingKeySealer {
  /** Where the key is, for messages (`"seal-keys" in token "consortium"`). */
  readonly label: string;
  encrypt(plain: Uint8Array, aad: Uint8Array): Uint8Array;
  decrypt(sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

export const SEALED_SUFFIX = '.sealed';
const MAGIC = new TextEncoder().encode('consortium-sealed/1\n');

function aadOf(fileName: string, sha256Hex: string): Uint8Array {
  return new TextEncoder().encode(`consortium-sealed/1\0${fileName}\0${sha256Hex}`);
}

/** The sealed file's bytes of a proving key `fileName` whose plain bytes hash to `sha256Hex`. */
export function sealProvingKey(sealer: ProvingKeySealer, plain: Uint8Array, fileName: string, sha256Hex: string): Uint8Array {
  const sealed = sealer.encrypt(plain, aadOf(fileName, sha256Hex));
  const out = new Uint8Array(MAGIC.byteLength + sealed.byteLength);
  out.set(MAGIC);
  out.set(sealed, MAGIC.byteLength);
  return out;
}

/**
 * The plain proving key of a sealed file, which must hash to its pin. SealedKeyError when it is
 * not a sealed file, does not open with this sealer (altered, another key, another file), or
 * opens to bytes that are not the pinned key.
 */
export function openSealedProvingKey(sealer: ProvingKeySealer, sealedFile: Uint8Array, fileName: string, pinnedSha256: string, where: string): Uint8Array {
  if (sealedFile.byteLength < MAGIC.byteLength || !MAGIC.every((byte, i) => sealedFile[i] === byte)) throw new SealedKeyError(`${where} is not a sealed proving key (consortium-sealed/1)`);
  let plain: Uint8Array;
  try {
    plain = sealer.decrypt(sealedFile.subarray(MAGIC.byteLength), aadOf(fileName, pinnedSha256));
  } catch (error) {
    throw new SealedKeyError(`${where} does not open with ${sealer.label}: altered, sealed with another key, or not the pinned ${fileName} (${(error as Error).message})`, { cause: error });
  }
  const actual = createHash('sha256').update(plain).digest('hex');
  if (actual !== pinnedSha256) throw new SealedKeyError(`${where} opens to a key with sha256 ${actual}, not the pinned ${pinnedSha256}`);
  return plain;
}

/**
 * Seals one proving key of a keys folder in place (`consortium-setup seal-keys`): writes
 * `<zkey>.sealed` (mode 0600, atomically) once the sealed bytes open back to the pinned key,
 * then removes the plain file. `zkey` is the manifest's entry of the key.
 */
export async function sealProvingKeyFile(dir: string, zkey: Pick<FileEntry, 'path' | 'sha256'>, sealer: ProvingKeySealer): Promise<void> {
  const plainPath = join(dir, zkey.path);
  const sealedPath = `${plainPath}${SEALED_SUFFIX}`;
  const name = basename(zkey.path);
  const sealed = sealProvingKey(sealer, new Uint8Array(await readFile(plainPath)), name, zkey.sha256);
  openSealedProvingKey(sealer, sealed, name, zkey.sha256, sealedPath);
  await writeFile(`${sealedPath}.partial`, sealed, { mode: 0o600 });
  await rename(`${sealedPath}.partial`, sealedPath);
  await rm(plainPath);
}
