import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCircuit, CIRCUITS } from '@consortium/circuits';
import { parseGenesis } from '@consortium/consensus';
import { buildSettlementWitness, DemoKeysRefusedError, loadEpoch, randomSalt, type KeysManifest, type SettlementBatch } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir, type CliResult } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

/**
 * `consortium-setup ceremony demo` with the test circuit settlement-4 (powers of tau 2^11): one
 * real ceremony, about a minute on 2 idle cores (several when the machine is busy), run with
 * --force over a folder holding an earlier ceremony's files and a file of someone else's.
 */

const CEREMONY_TIMEOUT_MS = 15 * 60_000;
const EXPECTED_FILES = [
  'README-INSECURE.txt',
  'genesis-artifacts.json',
  'keys-manifest.json',
  'powers-of-tau-11.INSECURE.ptau',
  'settlement-4.INSECURE.vkey.json',
  'settlement-4.INSECURE.zkey',
  'settlement-4.r1cs',
  'settlement-4.wasm',
];

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let dir: string;
let refused: CliResult;
let result: CliResult;
let manifest: KeysManifest;

beforeAll(async () => {
  tmp = await temporaryDir('ceremony');
  dir = join(tmp.path, 'keys');
  // What an earlier ceremony and its operator left there.
  await mkdir(join(dir, '.ceremony-work-deadbeef'), { recursive: true });
  await writeFile(join(dir, '.ceremony-work-deadbeef', 'pot_1.ptau'), 'left by a killed run');
  await writeFile(join(dir, 'settlement-4.INSECURE.zkey'), 'an old proving key');
  await writeFile(join(dir, 'keys-manifest.json'), '{}');
  await writeFile(join(dir, 'notes.txt'), 'not the ceremony\'s');

  refused = await runInProcess(['ceremony', 'demo', '--circuits', 'settlement-4', '--out', dir]);
  result = await runInProcessOk(['ceremony', 'demo', '--circuits', 'settlement-4', '--out', dir, '--force']);
  manifest = await readJson<KeysManifest>(join(dir, 'keys-manifest.json'));
}, CEREMONY_TIMEOUT_MS);

afterAll(async () => {
  // snarkjs's worker threads (from fullProve below) keep the test process alive otherwise.
  await (await snarkjs.curves.getCurveFromName('bn128')).terminate();
  await tmp.remove();
});

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('consortium-setup ceremony demo --circuits settlement-4', () => {
  it('refuses a non-empty --out without --force, saying what to do, before any work', () => {
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`✖ ${dir} is not empty`);
    expect(refused.stderr).toContain('pass --force to replace the files of the earlier ceremony in it');
    expect(refused.stderr).not.toContain('✔');
  });

  it('warns on every run that the keys are insecure', () => {
    for (const run of [refused, result]) {
      const flowing = run.stderr.replace(/\s+/g, ' ');
      expect(flowing).toMatch(/^⚠ INSECURE DEMO SETUP: one process plays every party/);
      expect(flowing).toContain('toxic waste');
      expect(flowing).toContain('multi-party ceremony');
    }
    expect(result.stdout).toMatch(/^INSECURE demo keys of epoch 1 for settlement-4, written to /);
  });

  it('reports each step with its elapsed time, plainly when not on a terminal', () => {
    for (const step of [
      'circuit settlement-4: ',
      'powers of tau: new accumulator (2^11)',
      'powers of tau: contribution (2^11)',
      'powers of tau: beacon (2^11)',
      "prepare phase 2 for the circuits' domains (2^11)",
      'settlement-4: new proving key',
      'settlement-4: contribution',
      'settlement-4: beacon and verification key: vk_gamma_2 differs from vk_delta_2',
      `write the keys to ${dir}`,
      `check ${dir} as a node loads it`,
    ]) {
      expect(result.stderr).toMatch(new RegExp(`^✔ ${step.replace(/[()^]/g, '\\$&')}.*\\((\\d+(\\.\\d)? m?s|\\d+ min \\d+ s)\\)$`, 'm'));
    }
    // eslint-disable-next-line no-control-regex
    expect(result.stderr + result.stdout).not.toMatch(/\u001b/);
  });

  it('writes every file, replaces the earlier ceremony and leaves everything else alone', async () => {
    expect((await readdir(dir)).sort()).toEqual([...EXPECTED_FILES, 'notes.txt'].sort());
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe("not the ceremony's");
    expect(result.stderr).toContain('left untouched, not part of the keys: notes.txt');
  });

  it('writes keys-manifest.json of the KeysManifest format, insecure, with the hash of every file', async () => {
    expect(manifest).toMatchObject({ format: 'consortium-keys/1', epoch: 1, insecure: true, ceremony: 'demo', ptau: { power: 11 } });
    expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(CEREMONY_TIMEOUT_MS);
    expect(Object.keys(manifest.circuits)).toEqual(['settlement-4']);
    const keys = manifest.circuits['settlement-4']!;
    expect(keys.constraints).toBe((await buildCircuit('settlement-4')).manifest.constraints);
    expect(keys.zkey.path).toBe('settlement-4.INSECURE.zkey');
    expect(keys.vkey.path).toBe('settlement-4.INSECURE.vkey.json');
    for (const entry of [manifest.ptau.file, keys.r1cs, keys.wasm, keys.zkey, keys.vkey]) {
      const file = join(dir, entry.path);
      expect(await sha256(file), entry.path).toBe(entry.sha256);
      expect((await stat(file)).size, entry.path).toBe(entry.bytes);
    }
    // The circuit files are the build's, unchanged.
    const built = await buildCircuit('settlement-4');
    expect(keys.r1cs.sha256).toBe(built.manifest.files.r1cs.sha256);
    expect(keys.wasm.sha256).toBe(built.manifest.files.wasm.sha256);
  });

  it('says INSECURE in README-INSECURE.txt, with the beacons and hashes of the ceremony', async () => {
    const readme = await readFile(join(dir, 'README-INSECURE.txt'), 'utf8');
    expect(readme).toMatch(/^INSECURE: DEMO KEYS, NEVER FOR A REAL CONSORTIUM\n/);
    expect(readme).toMatch(/beacon \(2\^10 iterations\): [0-9a-f]{64}\n/);
    expect(readme).toContain(`${manifest.circuits['settlement-4']!.zkey.sha256}  settlement-4.INSECURE.zkey`);
  });

  it('exports a verification key whose phase 2 had a contribution (vk_gamma_2 differs from vk_delta_2)', async () => {
    const vkey = await readJson<snarkjs.VerificationKey>(join(dir, 'settlement-4.INSECURE.vkey.json'));
    expect(vkey).toMatchObject({ protocol: 'groth16', curve: 'bn128', nPublic: 8 });
    expect(vkey.vk_delta_2).not.toEqual(vkey.vk_gamma_2);
  });

  it('makes keys that prove and verify a settlement, and refuse a tampered public signal', async () => {
    const batch: SettlementBatch = {
      creditor: 'FRAF1',
      debtor: 'DEUD1',
      period: '2026-11',
      firstId: 1n,
      records: [
        { recordId: 1n, service: 'data', volume: 1_500n },
        { recordId: 2n, service: 'voice_mo', volume: 125n },
        { recordId: 3n, service: 'sms', volume: 3n },
      ],
      salt: randomSalt(),
      rateTable: { rates: { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n }, salt: randomSalt() },
    };
    const { input, publicInputs } = buildSettlementWitness(batch, CIRCUITS['settlement-4']!.params);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, join(dir, 'settlement-4.wasm'), join(dir, 'settlement-4.INSECURE.zkey'));
    expect(publicSignals[7]).toBe(publicInputs.total.toString()); // circuit v2: total is the 8th public signal
    const vkey = await readJson<snarkjs.VerificationKey>(join(dir, 'settlement-4.INSECURE.vkey.json'));
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
    const tampered = publicSignals.map((signal, i) => (i === 7 ? (BigInt(signal) + 1n).toString() : signal));
    expect(await snarkjs.groth16.verify(vkey, tampered, proof)).toBe(false);
  });

  it('writes genesis pins and the setup kind that devnet --keys puts in genesis, and a node of that devnet loads the keys', async () => {
    const fragment = await readJson<{ artifacts: Record<string, string>; trustedSetup: unknown }>(join(dir, 'genesis-artifacts.json'));
    const keys = manifest.circuits['settlement-4']!;
    expect(fragment).toEqual({
      artifacts: {
        'epoch-1/settlement-4.wasm': keys.wasm.sha256,
        'epoch-1/settlement-4.zkey': keys.zkey.sha256,
        'epoch-1/settlement-4.vkey': keys.vkey.sha256,
      },
      trustedSetup: { kind: 'demo', transcriptSha256: null },
    });
    const devnet = join(tmp.path, 'devnet');
    await runInProcessOk(['devnet', '--out', devnet, '--members', '4', '--keys', dir]);
    const genesis = parseGenesis(await readJson<Record<string, unknown>>(join(devnet, 'genesis.json')));
    expect(genesis).toMatchObject({ artifacts: fragment.artifacts, trustedSetup: fragment.trustedSetup, network: 'devnet' });
    expect(genesis.application).toBeUndefined();
    const pins = { artifacts: genesis.artifacts, trustedSetup: genesis.trustedSetup, network: genesis.network ?? ('production' as const) };
    const loaded = await loadEpoch(dir, pins);
    expect(loaded.insecure).toBe(true);
    expect([...loaded.circuits.keys()]).toEqual(['settlement-4']);
    // The same keys in a genesis that is not a devnet's are refused.
    await expect(loadEpoch(dir, { ...pins, network: 'production' })).rejects.toBeInstanceOf(DemoKeysRefusedError);
    // ... and `genesis --keys` refuses to pin them for a consortium.
    const refused = await runInProcess(['genesis', '--chain-id', 'sp-consortium', '--members-dir', join(devnet, 'members-none'), '--keys', dir, '--out', join(tmp.path, 'genesis.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('INSECURE single-party demo setup');
  });
});

describe('consortium-setup ceremony verify on the demo', () => {
  it('refuses it as not multi-party, and exits 1', async () => {
    const refusedDemo = await runInProcess(['ceremony', 'verify', dir]);
    expect(refusedDemo.code).toBe(1);
    expect(refusedDemo.stderr).toContain('transcript file: ');
    expect(refusedDemo.stderr).toContain('holds the keys of a single-party demo setup (keys-manifest.json: insecure), not of a multi-party ceremony');
  });
});

describe('consortium-setup ceremony demo, refused before any work', () => {
  it('names the known circuits when --circuits names an unknown one', async () => {
    const out = join(tmp.path, 'unknown');
    const unknown = await runInProcess(['ceremony', 'demo', '--circuits', 'settlement-8', '--out', out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('✖ --circuits: unknown circuit "settlement-8"');
    expect(unknown.stderr).toContain('settlement-4, settlement-16, settlement-61, settlement-344, settlement-1433');
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('refuses an epoch that is not a whole number from 1', async () => {
    const bad = await runInProcess(['ceremony', 'demo', '--circuits', 'settlement-4', '--out', join(tmp.path, 'epoch'), '--epoch', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--epoch <n>' argument '0' is invalid");
  });
});
