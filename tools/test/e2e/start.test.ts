import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { fetchJson } from '../../src/devnet/processes.js';
import { waitFor, WAIT_DEADLINES_MS } from '../../src/devnet/wait.js';
import { startLauncherProcess, waitForEndpoints, type LauncherProcess } from '../../src/devnet/launcher-process.js';
import { ENDPOINTS_FILE, type DevnetEndpoints } from '../../src/launcher/endpoints.js';
import { ensureDemoKeys } from '../../src/launcher/keys.js';
import { LOCK_FILE, processAlive } from '../../src/launcher/lock.js';
import { lineProgress } from '../../src/launcher/progress.js';

/**
 * `npm start` as a user runs it: the real launcher process (tools/src/start.ts, which `npm start`
 * runs), four real node processes on loopback with real LevelDB, stopped by SIGINT as Ctrl-C
 * does. Then a second run on the same folder: the chain goes on, and a node killed -9 ends the
 * run with its log while the launcher stops the others. Each time: no process and no LevelDB
 * lock is left behind.
 *
 * The demo keys are the small test circuit's (settlement-4), made once by the launcher's own
 * keys step into build/ and reused by later runs of this test, as `.devnet/keys` is by later
 * `npm start`s.
 */

const MEMBERS = 4;
const keysDir = join(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
// Without the traffic generator (its own e2e test is traffic.test.ts): this test is about the nodes.
const startLauncher = (dir: string) => startLauncherProcess(['--members', String(MEMBERS), '--dir', dir, '--keys', keysDir, '--circuits', 'settlement-4', '--no-traffic']);
/** A launcher that was told to stop stops its nodes (SIGTERM, SIGKILL after 30 s) and exits. */
const LAUNCHER_STOP_MS = WAIT_DEADLINES_MS.stop + 60_000;

async function committedHeight(member: DevnetEndpoints['members'][number]): Promise<number> {
  // endpoints.json says where each member's tokens are: a script reaches the API with them.
  const token = (await readFile(member.tokens.observer, 'utf8')).trim();
  const status = (await fetchJson(`${member.apiUrl}/v1/status`, { headers: { authorization: `Bearer ${token}` } })) as { consensus?: { committedHeight?: number } } | null;
  return status?.consensus?.committedHeight ?? -1;
}

/** Every LevelDB under the members' data folders (a folder holding a LOCK file). */
async function levelDbs(endpoints: DevnetEndpoints): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((entry) => entry.isFile() && entry.name === 'LOCK')) found.push(dir);
    for (const entry of entries) if (entry.isDirectory()) await visit(join(dir, entry.name));
  };
  for (const member of endpoints.members) await visit(member.dataDir);
  return found;
}

/** What a stopped consortium must leave: no node process, every LevelDB openable, no endpoints.json, no lock. */
async function expectNothingLeft(dir: string, endpoints: DevnetEndpoints): Promise<void> {
  await waitFor('every node process gone', () => ({ done: endpoints.members.every((member) => !processAlive(member.pid)), seen: endpoints.members.filter((member) => processAlive(member.pid)).map((member) => `${member.id} ${member.pid}`).join(', ') }), LAUNCHER_STOP_MS);
  const dbs = await levelDbs(endpoints);
  expect(dbs.length).toBeGreaterThanOrEqual(MEMBERS);
  for (const path of dbs) {
    // Opening fails (LEVEL_LOCKED) while any process still holds the database.
    const db = new ClassicLevel(path, { createIfMissing: false });
    await db.open();
    await db.close();
  }
  await expect(stat(join(dir, ENDPOINTS_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(stat(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('npm start', () => {
  let dir: string;
  const launchers: LauncherProcess[] = [];
  let failed = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'npm-start-'));
    // The keys step of the launcher itself; reuses the keys of an earlier run of this test.
    await ensureDemoKeys(keysDir, ['settlement-4'], lineProgress(() => {}), new AbortController().signal);
  }, 600_000);

  afterAll(async () => {
    for (const launcher of launchers) {
      if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
        launcher.child.kill('SIGTERM');
        await launcher.exited;
      }
    }
    if (failed) console.error(`devnet kept for a look at its logs: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }, LAUNCHER_STOP_MS);

  it('brings up the consortium, refuses a second launcher, and Ctrl-C leaves no process and no lock', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const launcher = startLauncher(dir);
    launchers.push(launcher);
    const endpoints = await waitForEndpoints(dir, launcher);

    expect(endpoints.members.map((member) => member.id)).toEqual(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO']);
    expect(endpoints.members.every((member) => processAlive(member.pid))).toBe(true);
    for (const member of endpoints.members) {
      await waitFor(`${member.id} committed a block`, async () => (await committedHeight(member)) >= 1);
      const metrics = await fetch(member.metricsUrl).then(async (response) => response.text());
      expect(metrics).toContain('consortium_consensus_');
    }
    // The table names every member with its API (it reaches this process through a pipe: wait for it).
    const row = (member: DevnetEndpoints['members'][number]) => new RegExp(`^ {2}${member.id} +${member.tadig} +${member.apiUrl.replace(/[.]/g, '\\.')} `, 'm');
    await waitFor('the table of every member', () => endpoints.members.every((member) => row(member).test(launcher.output())));

    const second = startLauncher(dir);
    launchers.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`DevnetRunningError: a local consortium already runs from ${dir} (launcher pid ${launcher.child.pid})`);
    // The refused launcher touched nothing: the first one's nodes run on.
    expect(endpoints.members.every((member) => processAlive(member.pid))).toBe(true);

    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
    await expectNothingLeft(dir, endpoints);
  }, 900_000);

  it('a later run goes on with the chain, and a node that dies ends the run with its log', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const genesisBefore = await readFile(join(dir, 'genesis.json'), 'utf8');
    const launcher = startLauncher(dir);
    launchers.push(launcher);
    const endpoints = await waitForEndpoints(dir, launcher);
    await waitFor('the launcher says what it reused', () => launcher.output().includes('reused from') && launcher.output().includes('the chain went on from the last run'));
    // The same genesis: nothing was made again.
    expect(await readFile(join(dir, 'genesis.json'), 'utf8')).toBe(genesisBefore);

    const victim = endpoints.members[1]!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await launcher.exited).toBe(1);
    expect(launcher.output()).toContain(`${victim.id} exited (signal SIGKILL) while the consortium ran; the end of ${victim.logFile}`);
    await expectNothingLeft(dir, endpoints);
  }, 900_000);
});
