import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS, parseGenesis } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDir } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'];

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let membersDir: string;
let entries: Record<string, unknown>[];

beforeAll(async () => {
  tmp = await temporaryDir('genesis');
  membersDir = join(tmp.path, 'members');
  // Three members make their keys; each sends its public entry.
  entries = [];
  for (const id of MEMBERS) {
    const { stdout } = await runInProcessOk(['keys', '--member', id, '--out', join(tmp.path, 'keys', id)]);
    entries.push(JSON.parse(stdout) as Record<string, unknown>);
    await writeFile(join(tmp.path, `${id}.member.json`), stdout);
  }
  await runInProcessOk(['keys', '--member', 'SFR-FR', '--out', join(tmp.path, 'keys', 'SFR-FR')]); // keys only, for a later test
  await mkdir(membersDir);
  for (const id of MEMBERS) await copyFile(join(tmp.path, `${id}.member.json`), join(membersDir, `${id}.member.json`));
});
afterAll(async () => {
  await tmp.remove();
});

describe('consortium-setup genesis --keys', () => {
  // Pinning a real ceremony's keys, and refusing keys substituted after its attestations, is in
  // ceremony-file-based.test.ts (it has a whole attested ceremony); here, the folder alone.
  it("refuses a ceremony's keys folder without the transcript its members attested in, naming where it looked", async () => {
    const keys = join(tmp.path, 'ceremony-keys');
    await mkdir(keys, { recursive: true });
    const pins = { 'epoch-1/settlement-64.vkey': 'a'.repeat(64), 'epoch-1/settlement-64.zkey': 'b'.repeat(64), 'epoch-1/settlement-64.wasm': 'c'.repeat(64) };
    await writeFile(join(keys, 'genesis-artifacts.json'), JSON.stringify({ artifacts: pins, trustedSetup: { kind: 'ceremony', transcriptSha256: 'd'.repeat(64) } }));
    const out = join(tmp.path, 'genesis-keys.json');
    const result = await runInProcess(['genesis', '--chain-id', 'sp-consortium-test', '--members-dir', membersDir, '--keys', keys, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${keys} is not the keys folder every member of the ceremony attested (transcript ${join(tmp.path, 'transcript.json')}): no transcript at ${join(tmp.path, 'transcript.json')}`);
    expect(result.stderr).toContain('Do not pin these keys.');
    await expect(readFile(out)).rejects.toThrow();
  });

  it('refuses demo keys, before reading any member file (they are for devnets)', async () => {
    const keys = join(tmp.path, 'demo-keys');
    await mkdir(keys, { recursive: true });
    await writeFile(join(keys, 'genesis-artifacts.json'), JSON.stringify({ artifacts: { 'epoch-1/settlement-64.vkey': 'a'.repeat(64) }, trustedSetup: { kind: 'demo', transcriptSha256: null } }));
    const result = await runInProcess(['genesis', '--chain-id', 'sp-consortium-test', '--members-dir', membersDir, '--keys', keys, '--out', join(tmp.path, 'genesis-demo.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('INSECURE single-party demo setup');
    expect(result.stderr).toContain('demo keys are for local devnets');
  });
});

describe('consortium-setup genesis', () => {
  it('assembles three keys outputs into a genesis that parseGenesis accepts', async () => {
    const out = join(tmp.path, 'genesis.json');
    const files = MEMBERS.map((id) => join(tmp.path, `${id}.member.json`));
    const { stdout } = await runInProcessOk(['genesis', '--chain-id', 'sp-consortium-test', '--member-file', ...files, '--out', out, '--genesis-time', '2025-01-31T12:00:00Z']);

    const genesis = parseGenesis(JSON.parse(await readFile(out, 'utf8')));
    expect(genesis.chainId).toBe('sp-consortium-test');
    expect(new Date(genesis.genesisTimeMs).toISOString()).toBe('2025-01-31T12:00:00.000Z');
    expect(genesis.consensus).toEqual(DEFAULT_CONSENSUS_PARAMS);
    // No --keys: no keys pinned, and not a KV test chain, so its nodes refuse to start (fail closed); the summary says so.
    expect(genesis).toMatchObject({ artifacts: {} });
    expect(genesis.network).toBeUndefined();
    expect(genesis.application).toBeUndefined();
    expect(stdout).toContain("proof keys    none pinned: nodes refuse to start until a genesis pins the ceremony's keys (--keys)");
    expect((JSON.parse(await readFile(out, 'utf8')) as { members: unknown }).members).toEqual(entries);
    expect(stdout).toMatch(/genesis hash {2}[0-9a-f]{64}/);
  });

  it('reads every *.member.json of --members-dir, with --params overrides', async () => {
    const out = join(tmp.path, 'from-dir', 'genesis.json');
    const params = join(tmp.path, 'params.json');
    await writeFile(params, JSON.stringify({ timeoutCommitMs: 500, blockMaxTxs: 2_000 }));
    await runInProcessOk(['genesis', '--chain-id', 'sp-consortium', '--members-dir', membersDir, '--params', params, '--out', out]);
    const genesis = parseGenesis(JSON.parse(await readFile(out, 'utf8')));
    expect(genesis.members.map((member) => member.id)).toEqual([...MEMBERS].sort());
    expect(genesis.consensus).toEqual({ ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 500, blockMaxTxs: 2_000 });
    expect(Math.abs(genesis.genesisTimeMs - Date.now())).toBeLessThan(60_000);

    const again = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--members-dir', membersDir, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    await runInProcessOk(['genesis', '--chain-id', 'sp-consortium', '--members-dir', membersDir, '--out', out, '--force']);
  });

  it('lists every problem of bad member files, each with what to fix, and writes nothing', async () => {
    const dir = join(tmp.path, 'bad');
    await mkdir(dir);
    await writeFile(join(dir, 'T-Mobile-DE.member.json'), JSON.stringify(entries[0]));
    await writeFile(join(dir, 'Vodafone-UK.member.json'), JSON.stringify({ ...entries[1], tadig: 'GBR' }));
    await writeFile(join(dir, 'Orange-FR.member.json'), JSON.stringify({ ...entries[2], votingPower: 0 }));
    const out = join(dir, 'genesis.json');

    const result = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--members-dir', dir, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines).toContain('✖ the genesis would be invalid (2 problems):');
    expect(lines).toContain(`  - ${join(dir, 'Vodafone-UK.member.json')}: tadig: "GBR" is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1)`);
    expect(lines).toContain(`  - ${join(dir, 'Orange-FR.member.json')}: votingPower: must be an integer from 1 to 1000000`);
    expect(lines).toContain('→ Fix each file or option named above and run the command again; nothing was written.');
    expect(await readdir(dir)).not.toContain('genesis.json');
  });

  it('refuses a key file passed as a member file, without printing the key', async () => {
    const keyFile = join(tmp.path, 'keys', 'SFR-FR', 'validator-key.json');
    const secret = (JSON.parse(await readFile(keyFile, 'utf8')) as { privateKey: string }).privateKey;
    const result = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--member-file', join(tmp.path, 'T-Mobile-DE.member.json'), keyFile, '--out', join(tmp.path, 'leak.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('holds a private key');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('explains missing members and bad params files', async () => {
    const none = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--out', join(tmp.path, 'none.json')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no member entries found');

    const params = join(tmp.path, 'bad-params.json');
    await writeFile(params, '[1, 2]');
    const bad = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--members-dir', membersDir, '--params', params, '--out', join(tmp.path, 'p.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must hold a JSON object of consensus parameters');
  });
});
