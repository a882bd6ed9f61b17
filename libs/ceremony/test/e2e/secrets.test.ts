import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSetupCurve, type SetupCurve } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyWorkspace } from '../../src/index.js';
import { driveCeremony } from '../support/drive.js';
import { signedByAll, testMembers, TINY_R1CS, tinyPlan } from '../support/tiny-ceremony.js';

/**
 * A contribution's secret randomness never touches disk: a member's contribution runs in a
 * process of its own under strace, which records every file it opens for writing, creates,
 * renames or removes. Only the contribution (the lane's next file) and the transcript (written
 * whole, then renamed over the old one) may appear; the secret lives in memory only (see
 * docs/decisions.md, "Ceremony secrets", for what JavaScript can and cannot promise about memory).
 */

const packageDir = resolve(import.meta.dirname, '../..');
let curve: SetupCurve;
let dir: string;

beforeAll(async () => {
  curve = await openSetupCurve();
  dir = await mkdtemp(join(tmpdir(), 'ceremony-secrets-'));
});

afterAll(async () => {
  await curve.terminate();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child under strace; returns the paths it wrote, created, renamed or removed. */
async function writtenPaths(args: readonly string[]): Promise<string[]> {
  const log = join(dir, 'strace.log');
  const child = spawn('strace', ['-f', '--seccomp-bpf', '-qq', '-e', 'trace=open,openat,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat', '-o', log, process.execPath, ...args], {
    cwd: packageDir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  expect(code, stderr).toBe(0);
  const paths = new Set<string>();
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const call = /^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
    if (call === null || Number(call[3]) < 0) continue;
    const [, name, rawArgs] = call as unknown as [string, string, string];
    const quoted = [...rawArgs.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    const writing = name.startsWith('open') || name === 'creat' ? /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(rawArgs) || name === 'creat' : true;
    if (writing) for (const path of quoted) paths.add(path);
  }
  return [...paths];
}

describe('a contribution', () => {
  it('writes its file and the transcript, and nothing else anywhere', async () => {
    const members = testMembers(4);
    const plan = tinyPlan(members, { ceremonyId: 'test/secrets' });
    const workspace = await CeremonyWorkspace.create(join(dir, 'ceremony'), plan, signedByAll(plan, members), { tiny: TINY_R1CS });
    await driveCeremony(workspace, members, curve, (w) => w.next()?.kind === 'contribution' && (w.next() as { member: string }).member === 'Vodafone-UK');

    const paths = await writtenPaths(['--conditions=@consortium/source', '--import', 'tsx', 'test/support/contribute-child.ts', join(dir, 'ceremony'), 'Vodafone-UK', '4']);
    const folder = join(dir, 'ceremony');
    // tsx's cache of transformed sources (the test's own loading, not the contribution) and /dev are not the ceremony's.
    const unexpected = paths.filter(
      (path) =>
        !path.startsWith('/dev/') &&
        !/\/tsx-\d+\//.test(path) &&
        path !== join(folder, 'phase1', '002-Vodafone-UK.ptau') &&
        path !== join(folder, 'transcript.json') &&
        !/^transcript\.json\.\d+\.tmp$/.test(path.slice(folder.length + 1)),
    );
    expect(unexpected).toEqual([]);
    expect(paths).toContain(join(folder, 'phase1', '002-Vodafone-UK.ptau'));
    expect((await CeremonyWorkspace.open(folder)).transcript.entries.at(-1)).toMatchObject({ kind: 'contribution', signer: 'Vodafone-UK' });
  }, 120_000);
});
