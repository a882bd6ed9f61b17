import { parseGenesis } from '@consortium/consensus';
import { KEYS_MANIFEST_FORMAT } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import {
  buildKeysManifest,
  genesisArtifactsOf,
  genesisKeysFragmentProblem,
  INSECURE_WARNING,
  insecureReadme,
  isCeremonyFile,
  keysFolderLayout,
  type DemoRecord,
} from '../../src/keys-folder.js';

const sha = (digit: string) => digit.repeat(64);
const file = (path: string, digit: string, bytes = 100) => ({ path, sha256: sha(digit), bytes });

function sampleManifest() {
  const layout = keysFolderLayout(['settlement-4', 'settlement-64'], 14);
  const circuit = (name: 'settlement-4' | 'settlement-64', constraints: number, digits: string) => {
    const names = layout.circuits[name]!;
    return { name, constraints, r1cs: file(names.r1cs, digits[0]!), wasm: file(names.wasm, digits[1]!), zkey: file(names.zkey, digits[2]!), vkey: file(names.vkey, digits[3]!) };
  };
  return buildKeysManifest({
    epoch: 2,
    createdAt: new Date('2026-11-26T10:00:00Z'),
    power: 14,
    ptau: file(layout.ptau, '0', 18_874_924),
    circuits: [circuit('settlement-4', 1_729, '1234'), circuit('settlement-64', 11_041, '5678')],
  });
}

describe('keys folder layout', () => {
  it('names everything the one party could forge with INSECURE', () => {
    const layout = keysFolderLayout(['settlement-64'], 14);
    expect(layout).toEqual({
      ptau: 'powers-of-tau-14.INSECURE.ptau',
      circuits: {
        'settlement-64': {
          r1cs: 'settlement-64.r1cs',
          wasm: 'settlement-64.wasm',
          zkey: 'settlement-64.INSECURE.zkey',
          vkey: 'settlement-64.INSECURE.vkey.json',
        },
      },
    });
  });

  it('knows the files of an earlier ceremony, which --force replaces, from anything else', () => {
    for (const name of [
      'keys-manifest.json',
      'genesis-artifacts.json',
      'README-INSECURE.txt',
      'settlement-4.INSECURE.zkey',
      'settlement-4.INSECURE.vkey.json',
      'powers-of-tau-11.INSECURE.ptau',
      'settlement-1433.r1cs',
      'settlement-344.wasm',
      '.ceremony-work-0a1b2c3d',
    ]) {
      expect(isCeremonyFile(name), name).toBe(true);
    }
    for (const name of ['genesis.json', 'notes.txt', 'T-Mobile-DE', 'my.zkey', 'other.wasm', 'settlement-8.r1cs']) expect(isCeremonyFile(name), name).toBe(false);
  });
});

describe('keys manifest', () => {
  it('is the KeysManifest of an insecure demo ceremony', () => {
    const manifest = sampleManifest();
    expect(manifest).toEqual({
      format: KEYS_MANIFEST_FORMAT,
      epoch: 2,
      insecure: true,
      ceremony: 'demo',
      createdAt: '2026-11-26T10:00:00.000Z',
      ptau: { power: 14, file: file('powers-of-tau-14.INSECURE.ptau', '0', 18_874_924) },
      circuits: {
        'settlement-4': {
          constraints: 1_729,
          r1cs: file('settlement-4.r1cs', '1'),
          wasm: file('settlement-4.wasm', '2'),
          zkey: file('settlement-4.INSECURE.zkey', '3'),
          vkey: file('settlement-4.INSECURE.vkey.json', '4'),
        },
        'settlement-64': {
          constraints: 11_041,
          r1cs: file('settlement-64.r1cs', '5'),
          wasm: file('settlement-64.wasm', '6'),
          zkey: file('settlement-64.INSECURE.zkey', '7'),
          vkey: file('settlement-64.INSECURE.vkey.json', '8'),
        },
      },
    });
    expect(manifest.format).toBe('consortium-keys/1');
  });

  it('gives the genesis fragment: the wasm, zkey and vkey of each circuit, pinned per epoch', () => {
    const fragment = genesisArtifactsOf(sampleManifest());
    expect(fragment).toEqual({
      artifacts: {
        'epoch-2/settlement-4.wasm': sha('2'),
        'epoch-2/settlement-4.zkey': sha('3'),
        'epoch-2/settlement-4.vkey': sha('4'),
        'epoch-2/settlement-64.wasm': sha('6'),
        'epoch-2/settlement-64.zkey': sha('7'),
        'epoch-2/settlement-64.vkey': sha('8'),
      },
      trustedSetup: { kind: 'demo', transcriptSha256: null },
    });
    expect(genesisKeysFragmentProblem(fragment)).toBeNull();
  });

  it('refuses a genesis fragment without the setup kind (an older consortium-setup) or without pins', () => {
    expect(genesisKeysFragmentProblem({ artifacts: {} })).toMatch(/does not say which kind of trusted setup made the keys/);
    expect(genesisKeysFragmentProblem({ artifacts: {}, trustedSetup: { kind: 'trust-me' } })).toMatch(/does not say which kind/);
    expect(genesisKeysFragmentProblem({ trustedSetup: { kind: 'demo' } })).toMatch(/must hold/);
    expect(genesisKeysFragmentProblem(null)).toMatch(/must hold/);
  });

  it('gives pins that genesis accepts', () => {
    const genesis = {
      chainId: 'sp-consortium-devnet',
      genesisTime: '2026-11-26T10:00:00Z',
      members: [{ id: 'T-Mobile-DE', operator: 'Telekom Deutschland', tadig: 'DEUD1', publicKey: 'ab'.repeat(32), peerId: `12D3KooW${'A'.repeat(44)}`, votingPower: 1 }],
      consensus: {
        timeoutProposeMs: 3_000,
        timeoutProposeDeltaMs: 500,
        timeoutPrevoteMs: 1_000,
        timeoutPrevoteDeltaMs: 500,
        timeoutPrecommitMs: 1_000,
        timeoutPrecommitDeltaMs: 500,
        timeoutCommitMs: 1_000,
        blockMaxBytes: 1_048_576,
        blockMaxTxs: 1_000,
        txMaxBytes: 65_536,
      },
      ...genesisArtifactsOf(sampleManifest()),
    };
    expect(parseGenesis(genesis)).toMatchObject(genesisArtifactsOf(sampleManifest()));
  });
});

describe('README-INSECURE.txt', () => {
  it('says INSECURE and why, and records the hashes and beacons', () => {
    const manifest = sampleManifest();
    const circuit = (digit: string) => ({ circuitHash: digit.repeat(128), contributionHash: 'c'.repeat(128), beacon: digit.repeat(64), beaconHash: 'e'.repeat(128) });
    const record: DemoRecord = {
      ptau: { contributionHash: 'a'.repeat(128), beacon: 'b'.repeat(64), beaconResponseHash: 'd'.repeat(128) },
      circuits: { 'settlement-4': circuit('1'), 'settlement-64': circuit('2') },
    };
    const text = insecureReadme(manifest, record);
    expect(text.split('\n')[0]).toBe('INSECURE: DEMO KEYS, NEVER FOR A REAL CONSORTIUM');
    const flowing = text.replace(/\n/g, ' ');
    expect(flowing).toContain(INSECURE_WARNING);
    expect(flowing).toContain('toxic waste');
    expect(flowing).toContain('multi-party ceremony');
    expect(text).toContain(`beacon (2^10 iterations): ${'b'.repeat(64)}`);
    expect(text).toContain(`beacon (2^10 iterations): ${'2'.repeat(64)}`);
    expect(text).toContain('a'.repeat(64));
    expect(text).toContain(`${sha('7')}  settlement-64.INSECURE.zkey`);
    expect(text).toContain(`${sha('0')}  powers-of-tau-14.INSECURE.ptau`);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(110);
  });
});
