import { stat } from 'node:fs/promises';
import type { NodeConfig } from './config.js';
import { FileModeError } from './start-error.js';

/**
 * Files the node trusts must be the node user's own, as OpenSSH has it: a private key that
 * group or others may read or write is refused ("UNPROTECTED PRIVATE KEY FILE"), and sshd's
 * StrictModes refuses an authorized_keys others may write. Here the key files (validator key,
 * node key, the API's TLS key) are private keys; the API tokens file is the authorized_keys:
 * it holds hashes only (nobody gets in by reading it), but whoever may write it may add an
 * admin token.
 */

/** A private key: no bit for group or others. */
export const PRIVATE_KEY_OPEN_BITS = 0o077;
/** The tokens file: group and others may not write it. */
export const TOKENS_FILE_OPEN_BITS = 0o022;

/**
 * Throws FileModeError when `file` has any of `openBits`. A missing file is left to whoever
 * reads it next (its error names it better). Windows has no such modes: nothing to check.
 */
export async function refuseOpenFile(file: string, what: string, openBits: number): Promise<void> {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((mode & openBits) === 0) return;
  const fix = openBits === PRIVATE_KEY_OPEN_BITS ? `chmod 600 ${file}` : `chmod go-w ${file}`;
  throw new FileModeError(file, what, mode, fix);
}

/** The node's private keys held in files (an HSM key has none): refused before any is read. */
export async function refuseOpenKeyFiles(config: NodeConfig): Promise<void> {
  await refuseOpenFile(config.nodeKeyFile, 'the node key', PRIVATE_KEY_OPEN_BITS);
  if (config.validatorKeyFile !== undefined) await refuseOpenFile(config.validatorKeyFile, 'the validator key', PRIVATE_KEY_OPEN_BITS);
  if (config.http.tls !== undefined) await refuseOpenFile(config.http.tls.keyFile, "the API's TLS private key", PRIVATE_KEY_OPEN_BITS);
}
