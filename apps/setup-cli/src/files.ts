import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GenesisValidationError, parseGenesis, type Genesis } from '@consortium/consensus';
import { KeyFilesExistError, OutputFileExistsError, OutputPathError } from './errors.js';
import type { SecretText } from './member-keys.js';

/**
 * The CLI's file I/O, kept apart from the pure helpers. Every file is written to a temporary
 * name beside it and renamed into place, so a crash or a full disk never leaves half a key or
 * half a genesis under the real name.
 */

/** Key files: readable and writable by their owner only. */
export const SECRET_FILE_MODE = 0o600;
/** Folders that hold key files. */
export const SECRET_DIR_MODE = 0o700;
const PUBLIC_FILE_MODE = 0o644;

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Creates `dir` (and its parents) if missing; fails with OutputPathError if a file has its name. */
export async function ensureDir(dir: string, mode = 0o755): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new OutputPathError(dir, 'exists and is not a folder');
    }
    throw error;
  }
  if (!(await stat(dir)).isDirectory()) throw new OutputPathError(dir, 'exists and is not a folder');
}

/** True when `dir` is missing or empty; OutputPathError when it is a file. */
export async function isMissingOrEmptyDir(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') throw new OutputPathError(dir, 'exists and is not a folder');
    throw error;
  }
  return entries.length === 0;
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { mode, flag: 'wx' });
    await chmod(temporary, mode); // the umask may have narrowed it; a key file must be exactly 0600
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes key files with mode 0600. Without `force`, refuses (KeyFilesExistError, nothing
 * written) if any of them exists already.
 */
export async function writeSecretFiles(files: readonly { readonly path: string; readonly content: SecretText }[], force: boolean): Promise<void> {
  if (!force) await refuseExistingKeyFiles(files.map((file) => file.path));
  for (const file of files) await writeAtomically(file.path, file.content.reveal(), SECRET_FILE_MODE);
}

/** KeyFilesExistError listing every key file of `paths` that exists. */
export async function refuseExistingKeyFiles(paths: readonly string[]): Promise<void> {
  const existing: string[] = [];
  for (const path of paths) if (await pathExists(path)) existing.push(path);
  if (existing.length > 0) throw new KeyFilesExistError(existing);
}

/** Writes a public file (genesis, node.json). Without `force`, refuses to replace an existing one. */
export async function writePublicFile(path: string, text: string, force: boolean): Promise<void> {
  if (!force && (await pathExists(path))) throw new OutputFileExistsError(path);
  await writeAtomically(path, text, PUBLIC_FILE_MODE);
}

export async function readTextFile(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** The `*.member.json` files of a folder, sorted by name (the genesis member order). */
export async function listMemberFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((name) => name.endsWith('.member.json'))
    .sort()
    .map((name) => join(dir, name));
}

/** Removes a folder and everything in it (a devnet member's old chain data). */
export async function removeDir(dir: string): Promise<boolean> {
  if (!(await pathExists(dir))) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

/**
 * A genesis.json read and checked. A file that is not JSON or not a valid genesis becomes the
 * caller's own error (`refuse`), which says what to do in that command.
 */
export async function readGenesisFile(file: string, refuse: (problem: string) => Error): Promise<Genesis> {
  try {
    return parseGenesis(JSON.parse(await readTextFile(file)));
  } catch (error) {
    if (error instanceof GenesisValidationError || error instanceof SyntaxError) throw refuse(`${file} is not a valid genesis: ${error.message}`);
    throw error;
  }
}
