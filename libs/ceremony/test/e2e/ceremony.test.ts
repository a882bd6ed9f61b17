import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEpoch, openSetupCurve, runSinglePartySetup, type SetupCurve } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyWorkspace, sha256OfFile, verifyCeremony } from '../../src/index.js';
import { driveCeremony, finishCeremony, readJson } from '../support/drive.js';
import { BEACON, signedByAll, testMembers, TINY_POWER, TINY_R1CS, TINY_WASM, tinyPlan } from '../support/tiny-ceremony.js';

/**
 * The whole multi-party ceremony on the small circuit, in one process
 * (the file-based mode's steps): phase 1 among the members, phase 2, the beacons, the keys,
 * every member's attestation; `verifyCeremony` re-checks it all from the folder, a node loads the
 * keys, and a proof made with them verifies.
 */

let curve: SetupCurve;
const dirs: string[] = [];

beforeAll(async () => {
  curve = await openSetupCurve();
});

afterAll(async () => {
  await curve.terminate();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// 4 and 5 members run whole ceremonies in faults.test.ts (with every fault); here the largest, without.
describe.each([7])('a ceremony of %i members', (count) => {
  it('contributes in the plan order in both phases, and its keys verify, load and prove', async () => {
    const dir = await mkdtemp(join(tmpdir(), `ceremony-${count}-`));
    dirs.push(dir);
    const members = testMembers(count);
    const plan = tinyPlan(members);
    const workspace = await CeremonyWorkspace.create(dir, plan, signedByAll(plan, members), { tiny: TINY_R1CS });
    await driveCeremony(workspace, members, curve);
    const { finalHashes, manifest, transcriptSha256 } = await finishCeremony(workspace, members);

    const report = await verifyCeremony(dir);
    expect(report.lanes).toEqual([
      { lane: { phase: 1 }, contributors: members.ids, skipped: [], beacon: BEACON },
      { lane: { phase: 2, circuit: 'tiny' }, contributors: members.ids, skipped: [], beacon: BEACON },
    ]);
    expect(report.finalHashes).toEqual(finalHashes);

    // A node loads the keys as a production network's genesis pins them.
    const fragment = await readJson<{ artifacts: Record<string, string>; trustedSetup: { kind: 'ceremony'; transcriptSha256: string } }>(join(workspace.folder.keys, 'genesis-artifacts.json'));
    expect(fragment.trustedSetup).toEqual({ kind: 'ceremony', transcriptSha256 });
    const epoch = await loadEpoch(workspace.folder.keys, { ...fragment, network: 'production' });
    expect(epoch.epoch).toBe(2);

    // The keys work: a proof of the circuit verifies with the ceremony's verification key.
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: 3, y: 2 }, TINY_WASM, join(workspace.folder.keys, manifest.circuits['tiny']!.zkey.path));
    const vkey = await readJson<snarkjs.VerificationKey>(join(workspace.folder.keys, manifest.circuits['tiny']!.vkey.path));
    expect(publicSignals).toEqual([String(3 * 2 ** 16), '3']);
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
  }, 300_000);
});

describe('a ceremony of 5 members on an imported phase 1', () => {
  it('checks a file published prepared (its contributions with snarkjs, its Lagrange points for the circuit cheaply) and uses it as it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ceremony-import-'));
    dirs.push(dir);
    // The "public" file: another party's phase 1, published prepared (for this circuit's domain only).
    const published = await runSinglePartySetup({
      workDir: await mkdtemp(join(dir, 'published-')),
      power: TINY_POWER,
      circuits: [{ name: 'tiny', r1csPath: TINY_R1CS, domainPower: 5 }],
      contributionName: 'a public phase 1',
      ptauBeaconHex: BEACON,
      beaconIterationsExp: 10,
    });
    const members = testMembers(5);
    const plan = tinyPlan(members, { ceremonyId: 'test/import', phase1: { source: 'import', power: TINY_POWER, file: 'public.ptau', sha256: await sha256OfFile(published.ptau.preparedPath) } });
    const workspace = await CeremonyWorkspace.create(join(dir, 'ceremony'), plan, signedByAll(plan, members), { tiny: TINY_R1CS });
    await copyFile(published.ptau.preparedPath, join(dir, 'ceremony', 'public.ptau'));
    await driveCeremony(workspace, members, curve);
    await finishCeremony(workspace, members);
    const report = await verifyCeremony(join(dir, 'ceremony'));
    expect(report.lanes).toEqual([{ lane: { phase: 2, circuit: 'tiny' }, contributors: members.ids, skipped: [], beacon: BEACON }]);
    expect(report.checks).toContain("phase 2's powers of tau: the folder's prepared file is phase 1's final one, prepared");
  }, 120_000);
});
