import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureTestKeys, loadEpoch } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir, type CliResult } from './support/cli.js';
import { runInProcessOk } from './support/in-process.js';

/**
 * The five-member ceremony in its distributed mode on the settlement circuit (settlement-4,
 * phase 1 imported as in the file-based test), as five operators run it: five real
 * consortium-setup processes, each with its member's node.json (node key, validator key, p2p
 * addresses from `consortium-setup devnet`), the coordinator's `ceremony coordinate` and four
 * `ceremony join`s, talking over libp2p on loopback. Every process prints the same progress;
 * each member ends with the whole ceremony (checked by itself before it attested) and its keys
 * in its own folder, from which a node loads them.
 */

const BEACON = 'c0'.repeat(32);
let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let devnet: string;
let members: string[];
const packageDir = resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  tmp = await temporaryDir('ceremony-distributed');
  devnet = join(tmp.path, 'devnet');
  // Ports of their own: other suites run devnets beside this one.
  const basePort = 40_000 + Math.floor(Math.random() * 200) * 10;
  await runInProcessOk(['devnet', '--out', devnet, '--members', '5', '--base-port', String(basePort)]);
  members = (await readJson<{ members: { id: string }[] }>(join(devnet, 'genesis.json'))).members.map((member) => member.id);
  const publicPtau = (await ensureTestKeys('settlement-4')).preparedPtauPath;
  const dir = join(tmp.path, 'coordinator');
  await runInProcessOk([
    'ceremony', 'plan', '--genesis', join(devnet, 'genesis.json'), '--circuits', 'settlement-4', '--dir', dir,
    '--beacon-source', 'a test value fixed in advance', '--time-limit', '5', '--import-ptau', publicPtau,
  ]);
  for (const member of members) await runInProcessOk(['ceremony', 'sign-plan', '--dir', dir, '--member', member, '--key', join(devnet, member, 'validator-key.json')]);
  await runInProcessOk(['ceremony', 'start', '--dir', dir]);
}, 180_000);

afterAll(async () => tmp.remove());

/** consortium-setup as its own process (what `npx consortium-setup` runs), output captured. */
function runMember(args: readonly string[]): Promise<CliResult> {
  const { FORCE_COLOR: _forced, ...env } = process.env;
  const child = spawn(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: packageDir,
    env: { ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 540_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the distributed ceremony of five member processes on settlement-4', () => {
  it('runs over libp2p to every attestation; each member holds the verified ceremony and keys a node loads', async () => {
    const config = (member: string) => join(devnet, member, 'node.json');
    const runs = [
      runMember(['ceremony', 'coordinate', '--dir', join(tmp.path, 'coordinator'), '--config', config(members[0]!), '--beacon', BEACON]),
      ...members.slice(1).map((member) => runMember(['ceremony', 'join', '--dir', join(tmp.path, member), '--config', config(member)])),
    ];
    const results = await Promise.all(runs);
    const failed = results.map((result, i) => ({ result, member: members[i]! })).filter(({ result }) => result.code !== 0);
    if (failed.length > 0) throw new Error(failed.map(({ member, result }) => `${member} exited ${result.code}:\n${result.stderr}${result.stdout}`).join('\n\n'));
    const [coordinator, ...joined] = results;
    expect(coordinator!.stdout).toContain('complete: 5 attestations');
    // Everyone saw the ceremony go by in the plan's order.
    for (const result of joined) {
      const order = members.map((member) => result.stderr.indexOf(`${member} contributed to phase 2 of settlement-4`));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(result.stderr).toContain('complete: every member attested');
    }
    // Each member checked the whole ceremony before it attested (`ceremony verify` on a member's
    // folder: libs/ceremony's distributed test); here, the keys each collected are the coordinator's.
    const sfrDir = join(tmp.path, members[4]!);
    const fragment = await readJson<{ artifacts: Record<string, string>; trustedSetup: { kind: 'ceremony'; transcriptSha256: string } }>(join(sfrDir, 'keys', 'genesis-artifacts.json'));
    const coordinatorFragment = await readJson(join(tmp.path, 'coordinator', 'keys', 'genesis-artifacts.json'));
    expect(fragment).toEqual(coordinatorFragment);
    const epoch = await loadEpoch(join(sfrDir, 'keys'), { ...fragment, network: 'production' });
    expect([...epoch.circuits.keys()]).toEqual(['settlement-4']);
    expect(epoch.insecure).toBe(false);
  }, 600_000);

  it('refuses a member whose node.json holds another member\'s validator key, naming both', async () => {
    const wrong = join(devnet, members[1]!, 'node-wrong-key.json');
    const json = await readJson<Record<string, unknown>>(join(devnet, members[1]!, 'node.json'));
    await writeFile(wrong, JSON.stringify({ ...json, validatorKeyFile: join(devnet, members[2]!, 'validator-key.json') }));
    const refused = await runMember(['ceremony', 'join', '--dir', join(tmp.path, 'wrong'), '--config', wrong]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is ${members[2]}'s key, not ${members[1]}'s`);
  }, 120_000);
});
