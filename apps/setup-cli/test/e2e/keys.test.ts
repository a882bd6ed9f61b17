import { stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex, validatorKeyFromJson } from '@consortium/consensus';
import { nodeKeyFromJson, peerIdOf } from '@consortium/p2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  tmp = await temporaryDir('keys');
});
afterAll(async () => {
  await tmp.remove();
});

describe('consortium-setup keys', () => {
  it('writes both key files with mode 0600 and prints the public entry that matches them', async () => {
    const out = join(tmp.path, 'T-Mobile-DE');
    const { stdout, stderr } = await runInProcessOk(['keys', '--member', 'T-Mobile-DE', '--out', out]);

    for (const file of ['validator-key.json', 'node-key.json']) {
      expect((await stat(join(out, file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(out)).mode & 0o777).toBe(0o700);

    const entry = JSON.parse(stdout) as Record<string, unknown>;
    const validator = validatorKeyFromJson(await readJson(join(out, 'validator-key.json')));
    const nodeKey = nodeKeyFromJson(await readJson(join(out, 'node-key.json')));
    expect(entry).toEqual({
      id: 'T-Mobile-DE',
      operator: 'Telekom Deutschland',
      tadig: 'DEUD1',
      publicKey: toHex(validator.keyPair.publicKey),
      peerId: peerIdOf(nodeKey),
      votingPower: 1,
    });
    expect(validator.memberId).toBe('T-Mobile-DE');

    // No private key on either stream.
    const secrets = [
      (await readJson<{ privateKey: string }>(join(out, 'validator-key.json'))).privateKey,
      (await readJson<{ privateKey: string }>(join(out, 'node-key.json'))).privateKey,
    ];
    for (const secret of secrets) expect(stdout + stderr).not.toContain(secret);
    expect(stderr).toMatch(/✔ generate the validator key and node key of T-Mobile-DE \(\d+ ms\)/);
    expect(stderr).not.toContain('\u001b['); // plain output: not a terminal
  });

  it('takes --operator, --tadig and --voting-power, and needs them for an unknown member', async () => {
    const out = join(tmp.path, 'Elisa-FI');
    const missing = await runInProcess(['keys', '--member', 'Elisa-FI', '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Elisa-FI is not a known member.*\n→ Give --operator and --tadig/);

    const { stdout } = await runInProcessOk(['keys', '--member', 'Elisa-FI', '--operator', 'Elisa', '--tadig', 'FINRL', '--voting-power', '2', '--out', out]);
    expect(JSON.parse(stdout)).toMatchObject({ id: 'Elisa-FI', operator: 'Elisa', tadig: 'FINRL', votingPower: 2 });
  });

  it('refuses a bad TADIG before writing anything', async () => {
    const out = join(tmp.path, 'bad-tadig');
    const result = await runInProcess(['keys', '--member', 'Orange-FR', '--tadig', 'FR1', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--tadig: "FR1" is not a TADIG code');
    expect(result.stdout).toBe('');
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to overwrite key files without --force, and replaces them with it', async () => {
    const out = join(tmp.path, 'Vodafone-UK');
    const first = JSON.parse((await runInProcessOk(['keys', '--member', 'Vodafone-UK', '--out', out])).stdout) as { peerId: string };
    const before = await readFile(join(out, 'validator-key.json'), 'utf8');

    const refused = await runInProcess(['keys', '--member', 'Vodafone-UK', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('key files already exist');
    expect(refused.stderr).toContain('--force');
    expect(await readFile(join(out, 'validator-key.json'), 'utf8')).toBe(before);

    // One key file present is enough to refuse: none is written.
    const partial = join(tmp.path, 'partial');
    await runInProcessOk(['keys', '--member', 'SFR-FR', '--out', partial]);
    await writeFile(join(partial, 'validator-key.json'), 'keep me');
    expect((await runInProcess(['keys', '--member', 'SFR-FR', '--out', partial])).code).toBe(1);
    expect(await readFile(join(partial, 'validator-key.json'), 'utf8')).toBe('keep me');

    const forced = JSON.parse((await runInProcessOk(['keys', '--member', 'Vodafone-UK', '--out', out, '--force'])).stdout) as { peerId: string };
    expect(forced.peerId).not.toBe(first.peerId);
    expect(peerIdOf(nodeKeyFromJson(await readJson(join(out, 'node-key.json'))))).toBe(forced.peerId);
    expect((await stat(join(out, 'node-key.json'))).mode & 0o777).toBe(0o600);
  });
});
