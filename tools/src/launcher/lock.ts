import { unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DevnetRunningError } from './errors.js';

/**
 * One launcher per devnet folder: `<dir>/launcher.lock` holds the pid of the launcher that runs
 * it, created exclusively (O_EXCL), so two `npm start` at once cannot both start nodes on the
 * same data. A lock whose process is gone (kill -9, a crash) is stale and taken over.
 */

export const LOCK_FILE = 'launcher.lock';

export interface DevnetLock {
  readonly file: string;
  /** Removes the lock if it is still this process's. */
  release(): Promise<void>;
  /** The same, for an 'exit' handler (which cannot wait). */
  releaseSync(): void;
}

/** True while a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a lock file names; null when it cannot be read or names none (a crash while writing it). */
async function lockHolder(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  let pid = Number.NaN;
  try {
    if (text !== null) pid = Number((JSON.parse(text) as { pid?: unknown }).pid);
  } catch {
    return null;
  }
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/** Takes the devnet folder's lock for `pid`; throws DevnetRunningError while another live launcher holds it. */
export async function acquireDevnetLock(dir: string, pid: number = process.pid): Promise<DevnetLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const content = `${JSON.stringify({ pid, startedAt: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(content);
      await handle.close();
      const ours = async () => (await lockHolder(file)) === pid;
      return {
        file,
        release: async () => {
          if (await ours()) await unlink(file).catch(() => {});
        },
        releaseSync: () => {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await lockHolder(file);
      if (holder !== null && holder !== pid && processAlive(holder)) throw new DevnetRunningError(dir, holder);
      // Stale (its launcher is gone) or unreadable (a crash while writing it): take it over.
      await unlink(file).catch(() => {});
    }
  }
  throw new Error(`could not take the devnet lock ${file}: another launcher took it at the same moment`);
}
