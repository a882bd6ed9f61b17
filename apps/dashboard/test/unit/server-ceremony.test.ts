import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TranscriptDocument } from '@consortium/ceremony';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeremonyTranscriptReport, ZkpView } from '../../src/protocol.js';
import { readCeremony } from '../../src/server/collect/ceremony.js';
import { runTinyCeremony, SKIP_REASON, TINY_BEACON, type TinyCeremony } from '../support/tiny-ceremony.js';

/**
 * The ZKP view's ceremony summary and transcript report, read from what a real four-member
 * ceremony leaves on disk (run by @consortium/ceremony's own code in beforeAll, a few seconds):
 * the transcript pinned by the keys' genesis fragment is reported lane by lane; an altered one is
 * reported as a mismatch; none, as none; a demo's keys never show one.
 */

const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'];
let ceremony: TinyCeremony;
let scratch: string;

beforeAll(async () => {
  ceremony = await runTinyCeremony(MEMBERS);
  scratch = await mkdtemp(join(tmpdir(), 'dashboard-ceremony-cases-'));
}, 60_000);

afterAll(async () => {
  await Promise.all([ceremony && rm(ceremony.dir, { recursive: true, force: true }), scratch && rm(scratch, { recursive: true, force: true })]);
});

/** A copy of the ceremony folder under `name`, for a case that changes it. */
async function copyOfCeremony(name: string): Promise<{ dir: string; manifest: string; transcript: string; fragment: string }> {
  const dir = join(scratch, name);
  await cp(ceremony.dir, dir, { recursive: true });
  return { dir, manifest: join(dir, 'keys', 'keys-manifest.json'), transcript: join(dir, 'transcript.json'), fragment: join(dir, 'keys', 'genesis-artifacts.json') };
}

const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;
const sha256Of = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

function verified(summary: ZkpView['ceremony']): Extract<CeremonyTranscriptReport, { status: 'verified' }> {
  expect(summary?.transcript?.status).toBe('verified');
  return summary!.transcript as Extract<CeremonyTranscriptReport, { status: 'verified' }>;
}

describe('the ceremony behind the keys (readCeremony)', () => {
  it('reports the transcript the keys pin: the plan, each lane in order with its skip and beacon, every attestation', async () => {
    const summary = await readCeremony({ keysManifestFile: ceremony.keysManifestFile, ceremonyTranscriptFile: null });
    expect(summary).toMatchObject({ kind: 'distributed', circuits: ['tiny'], transcriptSha256: ceremony.transcriptSha256 });
    // The member skipped in phase 2 contributed to phase 1: every member is a contributor.
    expect(summary!.contributors).toEqual(MEMBERS);
    const report = verified(summary);
    expect(report.sha256).toBe(ceremony.transcriptSha256);
    expect(report.plan).toEqual({
      ceremonyId: 'dashboard-test/tiny-4',
      chainId: 'sp-consortium-test',
      members: MEMBERS,
      coordinator: 'T-Mobile-DE',
      phase1: 'made by the members at 2^6',
      beacon: 'a fixed test value, 2^10 iterations',
      contributionTimeLimitMs: 600_000,
      onMissingContribution: 'skip',
    });
    expect(report.lanes.map((lane) => [lane.name, lane.closed])).toEqual([
      ['phase 1 (powers of tau)', true],
      ['phase 2 of tiny', true],
    ]);
    const [phase1, phase2] = report.lanes;
    expect(phase1!.steps.map((step) => [step.kind, step.member])).toEqual([['open', 'T-Mobile-DE'], ...MEMBERS.map((member) => ['contribution', member]), ['beacon', 'T-Mobile-DE']]);
    expect(phase2!.steps.map((step) => [step.kind, step.member, step.note])).toEqual([
      ['open', 'T-Mobile-DE', null],
      ['contribution', 'T-Mobile-DE', null],
      ['contribution', 'Vodafone-UK', null],
      ['contribution', 'Orange-FR', null],
      ['skip', ceremony.skipped, SKIP_REASON],
      ['beacon', 'T-Mobile-DE', TINY_BEACON],
    ]);
    // In transcript order, on the ceremony's clock (a minute a step; the skip waited out the 10-minute limit).
    const steps = report.lanes.flatMap((lane) => lane.steps);
    expect(steps.map((step) => step.seq)).toEqual(steps.map((_, index) => index));
    expect(steps[0]!.timeMs).toBe(ceremony.startMs + 60_000);
    const skip = phase2!.steps.find((step) => step.kind === 'skip')!;
    expect(skip.timeMs - phase2!.steps[3]!.timeMs).toBe(11 * 60_000);
    // Each file builds on the one before it; a skip has none.
    for (const lane of report.lanes) {
      const files = lane.steps.filter((step) => step.kind !== 'skip');
      files.slice(1).forEach((step, index) => expect(step.inputSha256).toBe(files[index]!.outputSha256));
      expect(files.every((step) => /^[0-9a-f]{64}$/.test(step.outputSha256!))).toBe(true);
    }
    expect(skip).toMatchObject({ inputSha256: null, outputSha256: null });
    expect(report).toMatchObject({ attestedBy: MEMBERS, attestationProblem: null, waitingFor: null });
  });

  it('does not show an altered transcript as the ceremony\'s: a mismatch with both hashes', async () => {
    const copy = await copyOfCeremony('altered');
    const document = await readJson<TranscriptDocument>(copy.transcript);
    // A member's attestation dropped: still a well-formed transcript, no longer the pinned one.
    await writeFile(copy.transcript, `${JSON.stringify({ ...document, attestations: document.attestations.slice(0, -1) }, null, 2)}\n`);
    const summary = await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: null });
    expect(summary!.transcript).toEqual({ status: 'mismatch', sha256: await sha256Of(copy.transcript), pinnedSha256: ceremony.transcriptSha256 });
    expect(summary).toMatchObject({ kind: 'distributed', contributors: [], transcriptSha256: ceremony.transcriptSha256 });
  });

  it('reports the pinned transcript as invalid when it does not check, naming the problem', async () => {
    const copy = await copyOfCeremony('forged');
    const document = await readJson<TranscriptDocument>(copy.transcript);
    // An entry's time moved after it was signed, and the pin updated to match: the signature gives it away.
    const entries = document.entries.map((entry, index) => (index === 2 ? { ...entry, timeMs: entry.timeMs + 1 } : entry));
    await writeFile(copy.transcript, JSON.stringify({ ...document, entries }));
    const fragment = await readJson<{ trustedSetup: object }>(copy.fragment);
    await writeFile(copy.fragment, JSON.stringify({ ...fragment, trustedSetup: { kind: 'ceremony', transcriptSha256: await sha256Of(copy.transcript) } }));
    const report = (await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: null }))!.transcript;
    expect(report).toMatchObject({ status: 'invalid', sha256: await sha256Of(copy.transcript) });
    expect((report as { problem: string }).problem).toBe("transcript entry 2: its signature does not verify with Vodafone-UK's key: forged or altered after signing");
  });

  it('checks the attestations against the keys folder: keys other than the attested ones are named', async () => {
    const copy = await copyOfCeremony('other-keys');
    const manifest = await readJson<{ circuits: Record<string, { vkey: { sha256: string } }> }>(copy.manifest);
    manifest.circuits['tiny']!.vkey.sha256 = 'ee'.repeat(32);
    await writeFile(copy.manifest, JSON.stringify(manifest));
    const report = verified(await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: null }));
    expect(report.attestedBy).toEqual(MEMBERS);
    expect(report.attestationProblem).toContain(`${MEMBERS[0]}'s attestation does not verify over these final hashes`);
  });

  it('has no transcript to report without transcript.json beside the keys, and reads one the targets file names elsewhere', async () => {
    const copy = await copyOfCeremony('moved');
    const elsewhere = join(scratch, 'published-transcript.json');
    await rename(copy.transcript, elsewhere);
    const without = await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: null });
    expect(without).toMatchObject({ kind: 'distributed', contributors: [], transcriptSha256: ceremony.transcriptSha256, transcript: null });
    expect(verified(await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: elsewhere })).sha256).toBe(ceremony.transcriptSha256);
    // A transcript the deployment names but that is not there is said, not silently dropped.
    expect((await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: join(scratch, 'absent.json') }))!.transcript).toEqual({
      status: 'invalid',
      sha256: null,
      problem: 'the ceremony transcript the targets file names is not there',
    });
  });

  it("keeps a demo's keys as they were: a single INSECURE party and no transcript, even with one beside them", async () => {
    const copy = await copyOfCeremony('demo');
    const manifest = await readJson<{ createdAt: string }>(copy.manifest);
    await writeFile(copy.manifest, JSON.stringify({ ...manifest, insecure: true, ceremony: 'demo' }));
    expect(await readCeremony({ keysManifestFile: copy.manifest, ceremonyTranscriptFile: null })).toEqual({
      kind: 'demo',
      contributors: ['single-party demo (INSECURE)'],
      circuits: ['tiny'],
      transcriptSha256: null,
      finishedAt: manifest.createdAt,
      transcript: null,
    });
    expect(await readCeremony({ keysManifestFile: null, ceremonyTranscriptFile: null })).toBeNull();
  });
});
