import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevnetRunningError } from '../../src/launcher/errors.js';
import { acquireDevnetLock, LOCK_FILE, processAlive } from '../../src/launcher/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launcher-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
}

describe('the devnet folder lock', () => {
  it('holds the pid of its launcher, and release removes it', async () => {
    const lock = await acquireDevnetLock(dir, process.pid);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(readFile(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second launcher while the first one lives, naming its pid', async () => {
    const lock = await acquireDevnetLock(dir, process.pid);
    const error = await acquireDevnetLock(dir, process.pid + 1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DevnetRunningError);
    expect(error).toMatchObject({ pid: process.pid, dir });
    // The refused one changed nothing.
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over the lock of a launcher that is gone (kill -9), or a half-written one', async () => {
    const gone = await deadPid();
    expect(processAlive(gone)).toBe(false);
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: gone }));
    const lock = await acquireDevnetLock(dir, process.pid);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();

    await writeFile(join(dir, LOCK_FILE), '{"pid":');
    const again = await acquireDevnetLock(dir, process.pid);
    await again.release();
  });

  it('does not remove a lock another launcher took meanwhile', async () => {
    const lock = await acquireDevnetLock(dir, process.pid);
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1 }));
    await lock.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 1 });
  });
});
