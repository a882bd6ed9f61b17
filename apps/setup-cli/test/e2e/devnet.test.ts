import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS, parseGenesis, toHex, validatorKeyFromJson, type Genesis } from '@consortium/consensus';
import { findApiClient, isApiClientExpired, loadApiTokens } from '@consortium/node-config';
import { nodeKeyFromJson, peerIdOf } from '@consortium/p2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

const FIRST_EIGHT = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR', 'Swisscom-CH', 'KPN-NL', 'Proximus-BE'];

interface NodeJson {
  memberId: string;
  genesisFile: string;
  validatorKeyFile: string;
  nodeKeyFile: string;
  dataDir: string;
  p2p: { listen: string[]; peers: Record<string, string[]> };
  http: { host: string; port: number; tokensFile?: string };
}

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  tmp = await temporaryDir('devnet');
});
afterAll(async () => {
  await tmp.remove();
});

describe.each([
  [4, 26_600],
  [5, 31_000],
  [7, 32_000],
])('consortium-setup devnet with %i members (base port %i)', (count, basePort) => {
  let dir: string;
  let stdout: string;
  let genesis: Genesis;
  const ids = FIRST_EIGHT.slice(0, count);

  beforeAll(async () => {
    dir = join(tmp.path, `devnet-${count}`);
    const args = ['devnet', '--out', dir, '--members', String(count)];
    if (basePort !== 26_600) args.push('--base-port', String(basePort));
    stdout = (await runInProcessOk(args)).stdout;
    genesis = parseGenesis(await readJson(join(dir, 'genesis.json')));
  });

  it('writes a genesis that parses, with the devnet chain id and parameters', () => {
    expect(genesis.chainId).toBe('sp-consortium-devnet');
    expect(genesis.members.map((member) => member.id)).toEqual(ids);
    expect(genesis.consensus).toEqual({ ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 100, timeoutProposeMs: 1_000, emptyBlocksIntervalMs: 5_000 });
  });

  it('says it is a devnet of the key-value test application, which has no proofs (so its nodes start without keys)', () => {
    expect(genesis).toMatchObject({ network: 'devnet', application: 'kv-test', artifacts: {} });
    expect(genesis.trustedSetup).toBeUndefined();
  });

  it('writes one folder per member with its keys, API tokens and node.json, and nothing else', async () => {
    expect((await readdir(dir)).sort()).toEqual([...ids, 'genesis.json'].sort());
    for (const id of ids) {
      expect((await readdir(join(dir, id))).sort()).toEqual(['api-tokens.json', 'node-key.json', 'node.json', 'tokens', 'validator-key.json']);
      expect((await readdir(join(dir, id, 'tokens'))).sort()).toEqual(['admin.token', 'observer.token', 'operator.token']);
      for (const secret of ['validator-key.json', 'node-key.json', 'api-tokens.json', 'tokens/operator.token', 'tokens/observer.token', 'tokens/admin.token']) {
        expect((await stat(join(dir, id, secret))).mode & 0o777).toBe(0o600);
      }
    }
  });

  it("gives every member an operator (of that member only), an observer and an admin token that its tokens file accepts", async () => {
    for (const id of ids) {
      const records = await loadApiTokens(join(dir, id, 'api-tokens.json'));
      const clientOf = async (role: string) => findApiClient(records, (await readFile(join(dir, id, 'tokens', `${role}.token`), 'utf8')).trim());
      expect(await clientOf('operator')).toMatchObject({ role: 'operator', member: id });
      expect(await clientOf('observer')).toMatchObject({ role: 'observer' });
      expect(await clientOf('admin')).toMatchObject({ role: 'admin' });
      // Another member's operator token is unknown here.
      const other = ids.find((otherId) => otherId !== id)!;
      expect(findApiClient(records, (await readFile(join(dir, other, 'tokens', 'operator.token'), 'utf8')).trim())).toBeNull();
    }
  });

  it('gives every node.json its ports and every other member as a peer', async () => {
    for (const [i, id] of ids.entries()) {
      const node = await readJson<NodeJson>(join(dir, id, 'node.json'));
      const peers = Object.fromEntries(ids.flatMap((other, j) => (other === id ? [] : [[other, [`/ip4/127.0.0.1/tcp/${basePort + j}`]]])));
      expect(node).toEqual({
        memberId: id,
        genesisFile: '../genesis.json',
        validatorKeyFile: 'validator-key.json',
        nodeKeyFile: 'node-key.json',
        dataDir: 'data',
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${basePort + i}`], peers },
        http: { host: '127.0.0.1', port: basePort + 100 + i, tokensFile: 'api-tokens.json' },
      });
    }
  });

  it("gives every member keys that match its genesis entry", async () => {
    for (const member of genesis.members) {
      const validator = validatorKeyFromJson(await readFile(join(dir, member.id, 'validator-key.json'), 'utf8'));
      expect(validator.memberId).toBe(member.id);
      expect(toHex(validator.keyPair.publicKey)).toBe(toHex(member.publicKey));
      expect(peerIdOf(nodeKeyFromJson(await readFile(join(dir, member.id, 'node-key.json'), 'utf8')))).toBe(member.peerId);
    }
  });

  it('says it is for local testing only and shows each member\'s ports', () => {
    expect(stdout).toContain('FOR LOCAL TESTING ONLY');
    for (const [i, id] of ids.entries()) expect(stdout).toMatch(new RegExp(`${id} +${basePort + i} +${basePort + 100 + i} +12D3KooW`));
  });
});

describe('consortium-setup devnet, refusals and choices', () => {
  it('refuses a non-empty --out, and with --force replaces the devnet and its old chain data', async () => {
    const dir = join(tmp.path, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refused = await runInProcess(['devnet', '--out', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${dir} is not empty`);
    expect(refused.stderr).toContain('--force');
    expect(await readdir(dir)).toEqual(['notes.txt']);

    await runInProcessOk(['devnet', '--out', dir, '--members', '4', '--force']);
    const first = await readJson<{ members: { peerId: string }[] }>(join(dir, 'genesis.json'));
    await mkdir(join(dir, 'T-Mobile-DE', 'data'));
    await writeFile(join(dir, 'T-Mobile-DE', 'data', 'CURRENT'), 'old chain');
    const { stderr } = await runInProcessOk(['devnet', '--out', dir, '--members', '4', '--force']);
    const second = await readJson<{ members: { peerId: string }[] }>(join(dir, 'genesis.json'));
    expect(second.members[0]!.peerId).not.toBe(first.members[0]!.peerId);
    expect(stderr).toContain('removed the old chain data of T-Mobile-DE');
    expect(await readdir(join(dir, 'T-Mobile-DE'))).not.toContain('data');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('takes a list of member ids and more members than the table', async () => {
    const listed = join(tmp.path, 'listed');
    await runInProcessOk(['devnet', '--out', listed, '--members', 'Orange-FR,T-Mobile-DE,Member-9', '--chain-id', 'my-devnet']);
    const genesis = parseGenesis(await readJson(join(listed, 'genesis.json')));
    expect(genesis.chainId).toBe('my-devnet');
    expect(genesis.members.map((member) => [member.id, member.tadig])).toEqual([
      ['Orange-FR', 'FRAF1'],
      ['T-Mobile-DE', 'DEUD1'],
      ['Member-9', 'ZZZ09'],
    ]);

    const ten = join(tmp.path, 'ten');
    await runInProcessOk(['devnet', '--out', ten, '--members', '10', '--base-port', '40000']);
    const tenGenesis = parseGenesis(await readJson(join(ten, 'genesis.json')));
    expect(tenGenesis.members.map((member) => member.id)).toEqual([...FIRST_EIGHT, 'Member-9', 'Member-10']);
    expect((await readJson<NodeJson>(join(ten, 'Member-10', 'node.json'))).http.port).toBe(40_109);
  });

  it('explains bad --members and --base-port values and writes nothing', async () => {
    const dir = join(tmp.path, 'never');
    for (const args of [['--members', '33'], ['--members', 'T-Mobile-DE,Elisa-FI'], ['--base-port', '80'], ['--base-port', 'x']]) {
      const result = await runInProcess(['devnet', '--out', dir, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--members|--base-port/);
    }
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});

describe('consortium-setup devnet --tokens-expire-at', () => {
  it("gives every member's tokens that expiry, says so, and refuses a time without a zone or in the past, writing nothing", async () => {
    const dir = join(tmp.path, 'expiring');
    const { stdout } = await runInProcessOk(['devnet', '--out', dir, '--members', '2', '--base-port', '33000', '--tokens-expire-at', '2031-06-30T00:00:00Z']);
    expect(stdout).toContain('The tokens expire at 2031-06-30T00:00:00Z');
    for (const id of FIRST_EIGHT.slice(0, 2)) {
      const records = await loadApiTokens(join(dir, id, 'api-tokens.json'));
      expect(records.map((record) => [record.role, record.expiresAt])).toEqual([
        ['operator', '2031-06-30T00:00:00Z'],
        ['observer', '2031-06-30T00:00:00Z'],
        ['admin', '2031-06-30T00:00:00Z'],
      ]);
      const client = findApiClient(records, (await readFile(join(dir, id, 'tokens', 'observer.token'), 'utf8')).trim())!;
      expect(isApiClientExpired(client, Date.parse('2031-06-29T23:59:59Z'))).toBe(false);
      expect(isApiClientExpired(client, Date.parse('2031-06-30T00:00:00Z'))).toBe(true);
    }
    const never = join(tmp.path, 'never-expiring');
    for (const [value, reason] of [
      ['2031-06-30T00:00:00', 'must be an ISO 8601 time with its zone'],
      ['2020-01-01T00:00:00Z', 'must be in the future (2020-01-01T00:00:00Z has passed)'],
    ] as const) {
      const result = await runInProcess(['devnet', '--out', never, '--tokens-expire-at', value]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--tokens-expire-at');
      expect(result.stderr).toContain(reason);
    }
    await expect(stat(never)).rejects.toThrow(/ENOENT/);
  });
});

describe('consortium-setup devnet --keys', () => {
  it("pins the keys folder's genesis artifacts and setup kind, says it is a devnet, and points every node.json at the folder", async () => {
    const keys = join(tmp.path, 'keys');
    await mkdir(keys, { recursive: true });
    const pins = { 'epoch-1/settlement-64.vkey': 'a'.repeat(64), 'epoch-1/settlement-64.zkey': 'b'.repeat(64) };
    const trustedSetup = { kind: 'demo', transcriptSha256: null };
    await writeFile(join(keys, 'genesis-artifacts.json'), JSON.stringify({ artifacts: pins, trustedSetup }));
    const dir = join(tmp.path, 'devnet-keys');
    await runInProcessOk(['devnet', '--out', dir, '--members', '4', '--keys', keys]);
    const genesis = parseGenesis(await readJson(join(dir, 'genesis.json')));
    expect(genesis).toMatchObject({ artifacts: pins, trustedSetup, network: 'devnet' });
    expect(genesis.application).toBeUndefined();
    const node = await readJson<NodeJson & { keysDir: string }>(join(dir, 'Orange-FR', 'node.json'));
    expect(node.keysDir).toBe('../../keys');
  });

  it("with --force --keep-keys writes a new genesis for the same members and keys (a ceremony's keys pinned), and refuses --keep-keys alone", async () => {
    const dir = join(tmp.path, 'devnet-kept');
    await runInProcessOk(['devnet', '--out', dir, '--members', '4']);
    const before = await readJson<{ members: { peerId: string; publicKey: string }[]; application?: string }>(join(dir, 'genesis.json'));
    const validatorKey = await readFile(join(dir, 'Telenor-NO', 'validator-key.json'), 'utf8');
    const alone = await runInProcess(['devnet', '--out', dir, '--members', '4', '--keep-keys']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--keep-keys rewrites an existing devnet');
    const keys = join(tmp.path, 'ceremony-keys');
    await mkdir(keys, { recursive: true });
    const trustedSetup = { kind: 'ceremony', transcriptSha256: 'c'.repeat(64) };
    await writeFile(join(keys, 'genesis-artifacts.json'), JSON.stringify({ artifacts: { 'epoch-1/settlement-4.zkey': 'd'.repeat(64) }, trustedSetup }));
    await runInProcessOk(['devnet', '--out', dir, '--members', '4', '--keys', keys, '--force', '--keep-keys']);
    const after = parseGenesis(await readJson(join(dir, 'genesis.json')));
    expect(after.members.map((member) => member.peerId)).toEqual(before.members.map((member) => member.peerId));
    expect(after.trustedSetup).toEqual(trustedSetup);
    expect(await readFile(join(dir, 'Telenor-NO', 'validator-key.json'), 'utf8')).toBe(validatorKey);
    // Another member set than the devnet's: its keys are not there to keep.
    const other = await runInProcess(['devnet', '--out', dir, '--members', '5', '--force', '--keep-keys']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('the keys of SFR-FR');
  });

  it('refuses a genesis-artifacts.json that does not say which kind of setup made the keys (an older consortium-setup)', async () => {
    const keys = join(tmp.path, 'old-keys');
    await mkdir(keys, { recursive: true });
    await writeFile(join(keys, 'genesis-artifacts.json'), JSON.stringify({ artifacts: { 'epoch-1/settlement-64.vkey': 'a'.repeat(64) } }));
    const result = await runInProcess(['devnet', '--out', join(tmp.path, 'devnet-old-keys'), '--keys', keys]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not say which kind of trusted setup made the keys');
  });

  it('refuses a folder without genesis-artifacts.json, saying what to give', async () => {
    const result = await runInProcess(['devnet', '--out', join(tmp.path, 'devnet-nokeys'), '--keys', join(tmp.path, 'nowhere')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('genesis-artifacts.json: cannot be read');
    expect(result.stderr).toContain('ceremony demo --out');
  });
});
