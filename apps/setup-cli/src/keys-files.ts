import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CEREMONY_WORK_PREFIX, isCeremonyFile, KEYS_FOLDER_FILES } from './keys-folder.js';

/**
 * File I/O of a ceremony's keys folder (--out). The ceremony works in a hidden folder inside it
 * (same file system, so finished files are renamed into place, never half-written under their
 * real name); keys-manifest.json is moved in last, so its presence means the folder is complete.
 */

/** A fresh working folder inside `dir`, for the ceremony's intermediate files. */
export async function makeWorkDir(dir: string): Promise<string> {
  const work = join(dir, `${CEREMONY_WORK_PREFIX}${randomBytes(4).toString('hex')}`);
  await mkdir(work, { mode: 0o700 });
  return work;
}

/**
 * Until the returned function is called: if the process is interrupted (Ctrl-C, SIGTERM), removes
 * the working folder, lets `onInterrupt` say so, and exits as the signal would (130, 143).
 */
export function removeOnInterrupt(work: string, onInterrupt: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    rmSync(work, { recursive: true, force: true });
    onInterrupt(signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Moves the finished files (named relative to `work`) into `dir`, keys-manifest.json last. With
 * `replace`, the files of an earlier ceremony are removed first, its manifest before anything
 * else, so no moment shows a complete-looking folder of mixed keys. Returns the entries of `dir`
 * that are no ceremony's and were left alone.
 */
export async function moveIntoPlace(work: string, dir: string, files: readonly string[], replace: boolean): Promise<string[]> {
  const entries = (await readdir(dir)).filter((name) => name !== basename(work));
  if (replace) {
    await rm(join(dir, KEYS_FOLDER_FILES.manifest), { force: true });
    for (const name of entries.filter(isCeremonyFile)) await rm(join(dir, name), { recursive: true, force: true });
  }
  const ordered = [...files.filter((name) => name !== KEYS_FOLDER_FILES.manifest), ...files.filter((name) => name === KEYS_FOLDER_FILES.manifest)];
  for (const name of ordered) await rename(join(work, name), join(dir, name));
  return entries.filter((name) => !isCeremonyFile(name)).sort();
}
