import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A SoftHSM 2 token of its own in a folder, for devnets and tests: what an operator's real HSM is
 * in production, behind the same PKCS#11 interface. SoftHSM reads its configuration file from
 * SOFTHSM2_CONF when a process first initialises the library, so every process that opens keys
 * of this token needs `env` (a node process inherits it).
 */
export const SOFTHSM_MODULE_PATH = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  /** SOFTHSM2_CONF=<its configuration file>, for the processes that open its keys. */
  readonly env: { readonly SOFTHSM2_CONF: string };
  readonly label: string;
  /** The URI of the key labelled `object` in this token (the user PIN inline: a test token). */
  uriOf(object: string): string;
}

export async function createSoftHsmToken(dir: string, label: string, userPin = '1234'): Promise<SoftHsmToken> {
  const tokens = join(dir, 'tokens');
  await mkdir(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf };
  try {
    await promisify(execFile)('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', userPin, '--so-pin', `so-${userPin}`], { env: { ...process.env, ...env } });
  } catch (error) {
    throw new Error(`softhsm2-util could not make a token (is SoftHSM 2 installed? apt-get install softhsm2): ${(error as Error).message}`, { cause: error });
  }
  return {
    env,
    label,
    uriOf: (object) => `pkcs11:token=${encodeURIComponent(label)};object=${encodeURIComponent(object)}?module-path=${SOFTHSM_MODULE_PATH}&pin-value=${encodeURIComponent(userPin)}`,
  };
}
