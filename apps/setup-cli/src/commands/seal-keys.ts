import { basename, join } from 'node:path';
import { generatePkcs11AesKey, Pkcs11AesKey, Pkcs11Error } from '@consortium/consensus';
import { KEYS_MANIFEST_FILE, sealProvingKeyFile, SEALED_SUFFIX, type KeysManifest } from '@consortium/zkp';
import type { Command } from 'commander';
import { HsmKeyError, KeysFolderError } from '../errors.js';
import { pathExists, readTextFile } from '../files.js';
import type { Terminal } from '../output.js';
import { examples } from './options.js';

/**
 * `consortium-setup seal-keys`: a node's proving keys sealed by an AES key held in its HSM.
 * Each `<circuit>.zkey` of a keys folder becomes `<circuit>.zkey.sealed` (AES-256-GCM inside the
 * token, bound to the file's name and genesis pin), is opened back and checked against its pin,
 * and only then is the plain file removed. The node opens them in memory at start
 * (node.json provingKeySealPkcs11Uri); a copy of the folder without the HSM proves nothing.
 */

interface SealOptions {
  readonly keys: string;
  readonly pkcs11: string;
  readonly newKey?: boolean;
}

export function addSealKeysCommand(program: Command, { out, progress }: Terminal): void {
  program
    .command('seal-keys')
    .summary("seal a keys folder's proving keys with an AES key held in the node's HSM")
    .description(
      "Replace each proving key (<circuit>.zkey) of --keys by <circuit>.zkey.sealed, encrypted inside the HSM with the AES key the PKCS#11 URI " +
        "names (--new-key generates it there first, not extractable). Each sealed file is opened back and checked against its pin before the plain " +
        "file is removed. Point the node at the key with node.json's provingKeySealPkcs11Uri: it opens the keys in the prover's memory at start.",
    )
    .requiredOption('--keys <dir>', 'the keys folder (a ceremony\'s output) on the node\'s machine')
    .requiredOption('--pkcs11 <uri>', "the AES key in the node's HSM: pkcs11:token=<label>;object=<key label>?module-path=<library>&pin-source=file:<pin file>")
    .option('--new-key', 'generate the AES key in the HSM first (refused if the label is taken)')
    .addHelpText('after', examples("consortium-setup seal-keys --keys ./keys --new-key --pkcs11 'pkcs11:token=consortium;object=seal-keys?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/consortium/hsm-pin'"))
    .action(async (options: SealOptions) => {
      const manifest = await readManifest(options.keys);
      const sealer = openSealer(options);
      try {
        let sealed = 0;
        for (const [circuit, files] of Object.entries(manifest.circuits)) {
          const plainPath = join(options.keys, files.zkey.path);
          const sealedPath = `${plainPath}${SEALED_SUFFIX}`;
          if (!(await pathExists(plainPath)) && (await pathExists(sealedPath))) {
            out.line(`${circuit}: ${basename(sealedPath)} is sealed already`);
            continue;
          }
          // The sealed file must open to the pinned key before the plain one goes.
          await progress.step(`seal ${files.zkey.path} with ${sealer.label}`, () => sealProvingKeyFile(options.keys, files.zkey, sealer));
          sealed += 1;
        }
        out.line(`${sealed} proving key(s) of ${options.keys} sealed with ${sealer.label}; the plain files are gone.`);
        out.line(`Next: set node.json's "provingKeySealPkcs11Uri" to the same URI; the node opens them in memory at start.`);
      } finally {
        sealer.close();
      }
    });
}

async function readManifest(dir: string): Promise<KeysManifest> {
  const file = join(dir, KEYS_MANIFEST_FILE);
  try {
    return JSON.parse(await readTextFile(file)) as KeysManifest;
  } catch (error) {
    throw new KeysFolderError(file, `cannot be read (${(error as Error).message})`);
  }
}

function openSealer(options: SealOptions): Pkcs11AesKey {
  try {
    if (options.newKey === true) generatePkcs11AesKey(options.pkcs11);
    return Pkcs11AesKey.open(options.pkcs11);
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new HsmKeyError(error.message);
    throw error;
  }
}
