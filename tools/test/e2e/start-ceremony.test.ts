import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfFile } from '@consortium/ceremony';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { startLauncherProcess, waitForEndpoints, type LauncherProcess } from '../../src/devnet/launcher-process.js';
import { waitFor, WAIT_DEADLINES_MS } from '../../src/devnet/wait.js';
import { committedHeight } from '../support/committed-height.js';

/**
 * `npm start -- --ceremony` as a user runs it: the real launcher process makes the devnet's four
 * members, then their ceremony, each member's consortium-setup a process of its own with its
 * node's identity (the first coordinates, the others join, over libp2p on loopback), phase 1 and
 * phase 2 of settlement-4 made by the members; every member checks the whole ceremony before it
 * attests. Then the genesis pins the ceremony's keys and transcript, and four node processes load
 * them and commit blocks. (A later run reuses the keys while genesis pins them: the launcher's
 * reuse rule, with the transcript, is its unit test; a second run here would cost CI half a
 * minute more.)
 *
 * This is the distributed ceremony on the settlement circuit as operators run it
 * (consortium-setup's `ceremony coordinate` and `ceremony join` with their node.json); the
 * faults (forged entries, corrupted transfers, late members, aborts) are libs/ceremony's
 * distributed e2e, over the same protocol in one process on the small circuit.
 */

// Four members: the distributed ceremony is the same for any number (libs/ceremony's e2e runs 4, 5
// and 7 in one process); a fifth process here cost CI about 25 s (docs/decisions.md).
const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'];
/** The ceremony of four processes on a loaded 2-core machine (about 2.5 min quiet), with room. */
const CEREMONY_MS = 900_000;
const LAUNCHER_STOP_MS = WAIT_DEADLINES_MS.stop + 60_000;

interface Transcript {
  readonly entries: readonly { readonly kind: string; readonly signer: string; readonly lane: { readonly phase: number; readonly circuit?: string } }[];
  readonly attestations: readonly { readonly member: string }[];
}

const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

describe('npm start -- --ceremony', () => {
  let dir: string;
  const launchers: LauncherProcess[] = [];
  let failed = false;
  const launch = () => {
    const launcher = startLauncherProcess(['--ceremony', '--members', String(MEMBERS.length), '--dir', dir, '--circuits', 'settlement-4', '--no-traffic', '--no-dashboard']);
    launchers.push(launcher);
    return launcher;
  };
  const stop = async (launcher: LauncherProcess) => {
    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
  };

  afterAll(async () => {
    for (const launcher of launchers) {
      if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
        launcher.child.kill('SIGTERM');
        await launcher.exited;
      }
    }
    if (failed) console.error(`devnet kept for a look at its logs (<member>/node.log, ceremony/): ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }, LAUNCHER_STOP_MS);

  it('holds the members\' ceremony over libp2p, pins its keys in genesis, and runs the nodes on them', async () => {
    onTestFailed(() => {
      failed = true;
    });
    dir = await mkdtemp(join(tmpdir(), 'npm-start-ceremony-'));
    const first = launch();
    const endpoints = await waitForEndpoints(dir, first, CEREMONY_MS);
    expect(endpoints.members.map((member) => member.id)).toEqual(MEMBERS);
    for (const member of endpoints.members) await waitFor(`${member.id} committed a block`, async () => (await committedHeight(member)) >= 1);
    expect(first.output()).toContain('complete: every member attested');
    // snarkjs's file handles left to the collector are not the operator's concern (consortium-setup drops Node's warning).
    expect(first.output()).not.toContain('garbage collection');

    // The transcript: both lanes in the plan's order, every member contributing, every member attesting.
    const ceremonyDir = join(dir, 'ceremony');
    const transcript = await readJson<Transcript>(join(ceremonyDir, 'transcript.json'));
    const contributors = (phase: number) => transcript.entries.filter((entry) => entry.kind === 'contribution' && entry.lane.phase === phase).map((entry) => entry.signer);
    expect(contributors(1)).toEqual(MEMBERS);
    expect(contributors(2)).toEqual(MEMBERS);
    expect(transcript.attestations.map((attestation) => attestation.member).sort()).toEqual([...MEMBERS].sort());

    // Genesis pins the ceremony's keys and transcript, and every member collected the same keys
    // into its own copy of the ceremony (each checked the whole ceremony before attesting).
    const fragment = await readJson<{ artifacts: Record<string, string>; trustedSetup: { kind: string; transcriptSha256: string } }>(join(ceremonyDir, 'keys', 'genesis-artifacts.json'));
    expect(fragment.trustedSetup).toEqual({ kind: 'ceremony', transcriptSha256: await sha256OfFile(join(ceremonyDir, 'transcript.json')) });
    const genesis = await readJson<{ artifacts: Record<string, string>; trustedSetup: unknown }>(join(dir, 'genesis.json'));
    expect(genesis.artifacts).toEqual(fragment.artifacts);
    expect(genesis.trustedSetup).toEqual(fragment.trustedSetup);
    for (const member of MEMBERS.slice(1)) {
      expect(await readJson(join(dir, member, 'ceremony', 'keys', 'genesis-artifacts.json'))).toEqual(fragment);
    }
    // Each node loaded them and checked them against genesis: no demo warning.
    for (const member of endpoints.members) {
      const log = await readFile(join(dir, member.id, 'node.log'), 'utf8');
      expect(log).toContain('proving keys loaded and checked against genesis');
      expect(log).not.toContain('INSECURE');
    }
    await stop(first);
  }, CEREMONY_MS + LAUNCHER_STOP_MS + WAIT_DEADLINES_MS.progress);
});
