import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBinFile } from '@iden3/binfileutils';
import { assembleKeysFolder, beaconPhase2, contributePhase2, openSetupCurve, runSinglePartySetup, type SetupCurve } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CeremonyVerificationError,
  CeremonyWorkspace,
  sha256OfFile,
  signEntry,
  verifyCeremony,
  writeTranscriptFile,
  type TranscriptDocument,
  type TranscriptEntry,
  type UnsignedEntry,
} from '../../src/index.js';
import { driveCeremony, finishCeremony, readJson } from '../support/drive.js';
import { BEACON, signedByAll, testMembers, TINY_CONSTRAINTS, TINY_POWER, TINY_R1CS, TINY_WASM, tinyPlan } from '../support/tiny-ceremony.js';

/**
 * `verifyCeremony` on a good four-member ceremony and on variants of it: each names the first
 * problem, in the check that finds it. Tampered files, a forked chain (a member built on an older
 * file and the rest went on: snarkjs accepts it), reordered and truncated transcripts, a missing
 * attestation, a lane with one contributor, and the single-party demo.
 */

const members = testMembers(4);
const signer = (id: string) => members.signers.get(id)!;
let curve: SetupCurve;
let root: string;
let good: string;

beforeAll(async () => {
  curve = await openSetupCurve();
  root = await mkdtemp(join(tmpdir(), 'ceremony-variants-'));
  good = join(root, 'good');
  const plan = tinyPlan(members);
  const workspace = await CeremonyWorkspace.create(good, plan, signedByAll(plan, members), { tiny: TINY_R1CS });
  await driveCeremony(workspace, members, curve);
  await finishCeremony(workspace, members);
}, 120_000);

afterAll(async () => {
  await curve.terminate();
  await rm(root, { recursive: true, force: true });
});

async function variant(name: string, change: (dir: string, transcript: TranscriptDocument) => Promise<TranscriptDocument | void> | TranscriptDocument): Promise<string> {
  const dir = join(root, name);
  await cp(good, dir, { recursive: true });
  const transcriptPath = join(dir, 'transcript.json');
  const changed = await change(dir, await readJson<TranscriptDocument>(transcriptPath));
  if (changed !== undefined) await writeTranscriptFile(transcriptPath, changed);
  return dir;
}

async function failure(dir: string): Promise<CeremonyVerificationError> {
  const error = await verifyCeremony(dir).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CeremonyVerificationError);
  return error as CeremonyVerificationError;
}

const flipByte = async (file: string) => {
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  await writeFile(file, bytes);
};

describe('ceremony verify', () => {
  it('passes the good ceremony, listing every check', async () => {
    const report = await verifyCeremony(good);
    expect(report.checks).toContain('attested by every member');
    expect(report.checks).toContain('phase 2 of tiny: its verification key had a contribution (vk_gamma_2 differs from vk_delta_2)');
    expect(report.lanes.map((lane) => lane.contributors)).toEqual([members.ids, members.ids]);
  }, 60_000);

  it('names a tampered contribution file by the entry that produced it', async () => {
    const dir = await variant('tampered', async (folder) => flipByte(join(folder, 'phase1', '002-Vodafone-UK.ptau')));
    const problem = await failure(dir);
    expect(problem.check).toBe('every file the transcript names is in the folder');
    expect(problem.detail).toMatch(/^no file with sha256 [0-9a-f]{16}… \(entry 2: Vodafone-UK's contribution to phase 1 \(powers of tau\)\)$/);
  }, 60_000);

  it("names a phase-2 lane opened with another proving key than newZKey's (two A points swapped), though every entry is signed and chained", async () => {
    const dir = await variant('wrong-open', async (folder, transcript) => {
      const at = transcript.entries.findIndex((entry) => entry.kind === 'open' && entry.lane.phase === 2);
      const opened = transcript.entries[at] as TranscriptEntry & { outputSha256: string };
      const laneDir = join(folder, 'phase2', 'tiny');
      const names = await readdir(laneDir);
      const shas = await Promise.all(names.map(async (name) => sha256OfFile(join(laneDir, name))));
      const file = join(laneDir, names[shas.indexOf(opened.outputSha256)]!);
      // The coordinator's own key, not newZKey's: A's first two distinct points swapped.
      const { fd, sections } = await readBinFile(file, 'zkey', 1);
      await fd.close();
      const bytes = await readFile(file);
      const start = sections[5]![0]!.p;
      const point = (i: number) => bytes.subarray(start + i * 64, start + (i + 1) * 64);
      const other = [...Array(8).keys()].find((i) => i > 0 && !point(i).equals(point(0)))!;
      const first = Buffer.from(point(0));
      point(other).copy(bytes, start);
      first.copy(bytes, start + other * 64);
      await writeFile(file, bytes);
      const outputSha256 = await sha256OfFile(file);
      // Signed again by the coordinator, and the next member's entry built on it: the chain holds.
      const resign = (entry: TranscriptEntry, change: Record<string, string>) => {
        const { signature: _old, ...unsigned } = { ...entry, ...change };
        return signEntry(unsigned, signer(entry.signer));
      };
      const entries = [...transcript.entries];
      entries[at] = resign(opened, { outputSha256 });
      entries[at + 1] = resign(entries[at + 1]!, { inputSha256: outputSha256 });
      return { ...transcript, entries };
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('phase 2 of tiny: its first file is newZKey of the pinned r1cs');
    expect(problem.detail).toContain('the lane was opened with another proving key than the one the circuit and phase 1 give');
    expect(problem.detail).toContain('its A points differ');
  }, 60_000);

  it('names the dropped contributor of a forked chain, which snarkjs itself accepts', async () => {
    const dir = join(root, 'forked');
    const plan = tinyPlan(members, { ceremonyId: 'test/forked' });
    const workspace = await CeremonyWorkspace.create(dir, plan, signedByAll(plan, members), { tiny: TINY_R1CS });
    await driveCeremony(workspace, members, curve, (w) => w.next()?.kind === 'contribution' && w.next()!.lane.phase === 2 && (w.next() as { member: string }).member === 'Orange-FR');
    // Orange-FR builds on T-Mobile-DE's key, not on Vodafone-UK's, but signs as if it had; the others go on without checking.
    let transcript = workspace.transcript;
    const lane = { phase: 2, circuit: 'tiny' } as const;
    const phase2 = transcript.entries.filter((entry) => entry.lane.phase === 2);
    const tmobile = phase2.find((entry) => entry.kind === 'contribution' && entry.signer === 'T-Mobile-DE') as TranscriptEntry & { outputSha256: string };
    let input = await workspace.fileWithSha256(tmobile.outputSha256);
    let claimedInput = phase2[phase2.length - 1] as TranscriptEntry & { outputSha256: string };
    const add = (entry: Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, by: string) => {
      const unsigned = { ...entry, seq: transcript.entries.length, planHash: transcript.entries[0]!.planHash, timeMs: Date.now() } as UnsignedEntry;
      transcript = { ...transcript, entries: [...transcript.entries, signEntry(unsigned, signer(by))] };
    };
    for (const member of ['Orange-FR', 'Telenor-NO']) {
      const output = join(dir, `forked-${member}.zkey`);
      const contributionHash = await contributePhase2(input, output, member);
      const outputSha256 = await sha256OfFile(output);
      add({ kind: 'contribution', lane, signer: member, inputSha256: claimedInput.outputSha256, outputSha256, contributionHash } as Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, member);
      input = output;
      claimedInput = { outputSha256 } as TranscriptEntry & { outputSha256: string };
    }
    const final = join(dir, 'forked-final.zkey');
    const beaconHash = await beaconPhase2(input, final, 'beacon', BEACON, plan.beacon.iterationsExp);
    add({ kind: 'beacon', lane, signer: plan.coordinator, inputSha256: claimedInput.outputSha256, outputSha256: await sha256OfFile(final), beacon: BEACON, contributionHash: beaconHash } as Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, plan.coordinator);
    await writeTranscriptFile(workspace.folder.transcript, transcript);
    await finishCeremony(await CeremonyWorkspace.open(dir), members);

    const problem = await failure(dir);
    expect(problem.check).toBe("phase 2 of tiny: snarkjs verifies the final file, which holds the transcript's contributions in order");
    expect(problem.detail).toMatch(/contribution #2 of the file \([0-9a-f]{16}…\) is not Vodafone-UK's contribution \([0-9a-f]{16}…\): dropped, replaced or reordered$/);
  }, 120_000);

  it('names the first entry of a reordered transcript', async () => {
    const dir = await variant('reordered', (_folder, transcript) => {
      const entries = [...transcript.entries];
      [entries[2], entries[3]] = [entries[3]!, entries[2]!];
      return { ...transcript, entries };
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('plan signed by every member, entries in order and signed');
    expect(problem.detail).toBe('transcript entry 2: its sequence number is 3, expected 2: an entry replayed, dropped or moved');
  }, 60_000);

  it('says where a truncated transcript stops', async () => {
    const dir = await variant('truncated', (_folder, transcript) => ({ ...transcript, entries: transcript.entries.slice(0, -2), attestations: [] }));
    const problem = await failure(dir);
    expect(problem.check).toBe('the ceremony is complete');
    expect(problem.detail).toBe("it stops at Telenor-NO's contribution to phase 2 of tiny");
  }, 60_000);

  it('names the member whose attestation is missing', async () => {
    const dir = await variant('unattested', (_folder, transcript) => ({ ...transcript, attestations: transcript.attestations.filter((a) => a.member !== 'Orange-FR') }));
    const problem = await failure(dir);
    expect(problem.check).toBe('attested by every member');
    expect(problem.detail).toBe('Orange-FR has not attested the final hashes');
  }, 60_000);

  it('refuses a lane with a single contributor as not multi-party', async () => {
    const pair = testMembers(2);
    const plan = tinyPlan(pair, { ceremonyId: 'test/one-contributor' });
    const dir = join(root, 'one-contributor');
    const workspace = await CeremonyWorkspace.create(dir, plan, signedByAll(plan, pair), { tiny: TINY_R1CS });
    await driveCeremony(workspace, pair, curve, (w) => (w.next() as { member?: string } | null)?.member === 'Vodafone-UK');
    const startedMs = workspace.transcript.entries[workspace.transcript.entries.length - 1]!.timeMs;
    await workspace.skip('T-Mobile-DE', pair.signers.get('T-Mobile-DE')!, 'offline', { now: () => startedMs + plan.contributionTimeLimitMs });
    await driveCeremony(workspace, pair, curve);
    await finishCeremony(workspace, pair);
    const problem = await failure(dir);
    expect(problem.check).toBe('multi-party: at least two members contributed to every lane');
    expect(problem.detail).toMatch(/^phase 1 \(powers of tau\) has one contributor \(T-Mobile-DE\)/);
  }, 120_000);

  it('refuses the single-party demo setup as not multi-party', async () => {
    const dir = join(root, 'demo');
    const work = join(root, 'demo-work');
    await cp(join(good, 'circuits'), work, { recursive: true });
    const setup = await runSinglePartySetup({
      workDir: work,
      power: TINY_POWER,
      circuits: [{ name: 'tiny', r1csPath: TINY_R1CS, domainPower: 5 }],
      contributionName: 'demo',
      ptauBeaconHex: BEACON,
      beaconIterationsExp: 10,
    });
    const vkey = join(work, 'tiny.vkey.json');
    await writeFile(vkey, JSON.stringify(setup.circuits['tiny']!.vkey));
    await assembleKeysFolder(dir, {
      epoch: 1,
      insecure: true,
      ceremony: 'demo',
      ptau: { power: TINY_POWER, path: setup.ptau.finalPath },
      circuits: [{ name: 'tiny', constraints: TINY_CONSTRAINTS, r1cs: TINY_R1CS, wasm: TINY_WASM, zkey: setup.circuits['tiny']!.zkeyPath, vkey }],
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('transcript file');
    expect(problem.detail).toMatch(/holds the keys of a single-party demo setup .*not of a multi-party ceremony/);
  }, 120_000);
});
