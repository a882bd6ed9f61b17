import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { openSetupCurve, type SetupCurve, type SetupLogger } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CeremonyAbortedError,
  CeremonyVerificationError,
  CeremonyWorkspace,
  contribute,
  ContributionRejectedError,
  NotYourTurnError,
  sha256OfFile,
  signEntry,
  TranscriptEntryError,
  verifyCeremony,
  type TranscriptDocument,
  type TranscriptEntry,
} from '../../src/index.js';
import { driveCeremony, finishCeremony } from '../support/drive.js';
import { signedByAll, testMembers, TINY_R1CS, tinyPlan, type TestMembers } from '../support/tiny-ceremony.js';

/**
 * The faults the ceremony must survive, with 4, 5 and 7 members on the small circuit: a corrupt
 * or malicious contribution is refused, named, and the ceremony goes on from the last verified
 * file; a member past its time limit is skipped (or the ceremony aborts, by the plan's policy);
 * a ceremony that crashed mid-contribution resumes from its last verified contribution; a
 * replayed or forged transcript entry is refused. Each ends (but the abort) with a ceremony that
 * `verifyCeremony` passes.
 */

let curve: SetupCurve;
let telemetry: Telemetry;
const dirs: string[] = [];

beforeAll(async () => {
  curve = await openSetupCurve();
  telemetry = setupTelemetry({ serviceName: 'ceremony-e2e', memberId: 'T-Mobile-DE', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
});

afterAll(async () => {
  await telemetry.shutdown();
  await curve.terminate();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newCeremony(count: number, policy: 'skip' | 'abort' = 'skip'): Promise<{ workspace: CeremonyWorkspace; members: TestMembers; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `ceremony-faults-${count}-`));
  dirs.push(dir);
  const members = testMembers(count);
  const plan = tinyPlan(members, { onMissingContribution: policy, ceremonyId: `test/faults-${count}-${policy}` });
  const options = { telemetry: { metrics: telemetry.metrics.ceremony, tracer: telemetry.tracer('ceremony-e2e') } };
  return { workspace: await CeremonyWorkspace.create(dir, plan, signedByAll(plan, members), { tiny: TINY_R1CS }, options), members, dir };
}

const turnOf = (workspace: CeremonyWorkspace, phase: 1 | 2, member: string) => () => {
  const next = workspace.next();
  return next?.kind === 'contribution' && next.lane.phase === phase && next.member === member;
};

/** A member that hands over a file it altered after contributing, with an entry it signed for that file: what a malicious contributor can do. */
async function maliciousContribution(workspace: CeremonyWorkspace, members: TestMembers, member: string, dir: string): Promise<{ document: TranscriptDocument; file: string }> {
  const next = workspace.next()!;
  const input = await workspace.currentFile(next.lane);
  const file = join(dir, `${member}-altered.${next.lane.phase === 1 ? 'ptau' : 'zkey'}`);
  const honest = await contribute({ transcript: workspace.transcript, member, signer: members.signers.get(member)!, curve, input, output: file, phase2: await phase2Of(workspace, next.lane) });
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length * 0.6)]! ^= 0x5a; // inside the points
  await writeFile(file, bytes);
  const { signature: _dropped, ...unsigned } = honest.entry as TranscriptEntry & { kind: 'contribution' };
  const entry = signEntry({ ...unsigned, outputSha256: await sha256OfFile(file) }, members.signers.get(member)!);
  return { document: { ...workspace.transcript, entries: [...workspace.transcript.entries, entry] }, file };
}

async function phase2Of(workspace: CeremonyWorkspace, lane: { phase: 1 } | { phase: 2; circuit: string }) {
  if (lane.phase === 1) return undefined;
  const opened = workspace.transcript.entries.find((entry) => entry.kind === 'open' && entry.lane.phase === 2)!;
  return { initZkey: await workspace.fileWithSha256((opened as { outputSha256: string }).outputSha256), preparedPtau: workspace.folder.preparedPtau };
}

describe.each([4, 5, 7])('faults in a ceremony of %i members', (count) => {
  it('refuses a corrupt contribution in either phase, skips a member past its time limit, resumes after a crash, refuses replayed and forged entries, and still verifies', async () => {
    const { workspace, members, dir } = await newCeremony(count);
    const [coordinator, second, third] = members.ids as [string, string, string];
    const last = members.ids[count - 1]!;
    const signer = (id: string) => members.signers.get(id)!;

    // Phase 1: the second member hands over an altered file. Refused, named; nothing changes; it then contributes honestly.
    await driveCeremony(workspace, members, curve, turnOf(workspace, 1, second));
    const before = workspace.transcript.entries.length;
    const corrupt = await maliciousContribution(workspace, members, second, dir);
    const refused = await workspace.accept(corrupt.document, [corrupt.file], curve).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContributionRejectedError);
    expect((refused as ContributionRejectedError).member).toBe(second);
    expect((refused as Error).message).toMatch(/snarkjs refuses it .*the ceremony goes on from the last verified file/);
    expect(workspace.transcript.entries).toHaveLength(before);
    expect((await CeremonyWorkspace.open(dir)).transcript.entries).toHaveLength(before);
    await workspace.contribute(second, signer(second), curve);

    // A replayed entry (the second member's, again) and a forged one (the third's turn, signed with the second's key) are refused.
    const replayed = { ...workspace.transcript, entries: [...workspace.transcript.entries, workspace.transcript.entries[workspace.transcript.entries.length - 1]!] };
    await expect(workspace.accept(replayed, [], curve)).rejects.toMatchObject({ name: 'TranscriptEntryError', problem: 'wrong_sequence' });
    const honestThird = await contribute({ transcript: workspace.transcript, member: third, signer: signer(third), curve, input: await workspace.currentFile({ phase: 1 }), output: join(dir, 'third.ptau') });
    const { signature: _dropped, ...unsigned } = honestThird.entry;
    const forged = { ...workspace.transcript, entries: [...workspace.transcript.entries, signEntry(unsigned, signer(second))] };
    const forgery = await workspace.accept(forged, [join(dir, 'third.ptau')], curve).catch((error: unknown) => error);
    expect(forgery).toBeInstanceOf(TranscriptEntryError);
    expect(forgery).toMatchObject({ problem: 'bad_signature' });
    expect(workspace.transcript.entries).toHaveLength(before + 1);

    // The third member does not contribute in time: not skippable before the limit, skipped after it; the next builds on the same file.
    const fileBefore = await workspace.currentFile({ phase: 1 });
    const turnStartedMs = workspace.transcript.entries[workspace.transcript.entries.length - 1]!.timeMs;
    const limitMs = workspace.transcript.plan.contributionTimeLimitMs;
    await expect(workspace.skip(coordinator, signer(coordinator), 'no contribution', { now: () => turnStartedMs + limitMs - 1_000 })).rejects.toBeInstanceOf(NotYourTurnError);
    await workspace.skip(coordinator, signer(coordinator), 'no contribution within the time limit', { now: () => turnStartedMs + limitMs });
    expect(await workspace.currentFile({ phase: 1 })).toBe(fileBefore);

    // Phase 2: the last member's altered key is refused (snarkjs's check from the lane's first key); it then contributes honestly.
    await driveCeremony(workspace, members, curve, turnOf(workspace, 2, last));
    const corruptKey = await maliciousContribution(workspace, members, last, dir);
    await expect(workspace.accept(corruptKey.document, [corruptKey.file], curve)).rejects.toMatchObject({ name: 'ContributionRejectedError', member: last });

    // A crash in the middle of the last member's contribution: the process dies with a half-written file; reopened, the folder resumes there.
    const crashing: SetupLogger = {
      debug: () => {
        throw new Error('the machine lost power');
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    await expect(workspace.contribute(last, signer(last), curve, { logger: crashing })).rejects.toThrow('the machine lost power');
    const resumed = await CeremonyWorkspace.open(dir);
    expect(resumed.next()).toMatchObject({ kind: 'contribution', member: last });
    await driveCeremony(resumed, members, curve);
    await finishCeremony(resumed, members);

    const report = await verifyCeremony(dir);
    expect(report.lanes[0]).toMatchObject({ contributors: members.ids.filter((id) => id !== third), skipped: [third] });
    expect(report.lanes[1]).toMatchObject({ contributors: members.ids, skipped: [] });

    // Every step counted by outcome (the refusals included), with its time.
    const page = (await telemetry.renderMetrics()).body;
    const stepsWith = (step: string, outcome: string) => Number(new RegExp(`^consortium_ceremony_steps_total\\{step="${step}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(page)?.[1] ?? 0);
    expect(stepsWith('accept', 'refused')).toBeGreaterThanOrEqual(4); // two altered files, a replayed and a forged entry
    expect(stepsWith('skip', 'done')).toBeGreaterThanOrEqual(1);
    expect(stepsWith('skip', 'refused')).toBeGreaterThanOrEqual(1);
    expect(stepsWith('contribute', 'refused') + stepsWith('contribute', 'failed')).toBeGreaterThanOrEqual(1); // the crash, inside snarkjs's call
    expect(page).toMatch(/^consortium_ceremony_step_duration_seconds_count\{step="contribute"\} \d+$/m);
  }, 300_000);

  it('aborts when a member does not contribute and the plan says abort; the unfinished folder does not verify', async () => {
    const { workspace, members, dir } = await newCeremony(count, 'abort');
    const [coordinator, second] = members.ids as [string, string];
    await driveCeremony(workspace, members, curve, turnOf(workspace, 1, second));
    const turnStartedMs = workspace.transcript.entries[workspace.transcript.entries.length - 1]!.timeMs;
    await expect(workspace.skip(coordinator, members.signers.get(coordinator)!, 'no contribution', { now: () => turnStartedMs + workspace.transcript.plan.contributionTimeLimitMs })).rejects.toBeInstanceOf(
      CeremonyAbortedError,
    );
    const failure = await verifyCeremony(dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CeremonyVerificationError);
    expect(failure).toMatchObject({ check: 'the ceremony is complete', detail: `it stops at ${second}'s contribution to phase 1 (powers of tau)` });
  }, 120_000);
});
