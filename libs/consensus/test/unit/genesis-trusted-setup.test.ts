// The parts of genesis that decide which proof keys a node runs with (owned with libs/zkp's
// artifacts loader): the trusted setup's kind, the network kind and the application.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS, generateEd25519KeyPair, genesisHash, genesisToJson, GenesisValidationError, parseGenesis, toHex } from '../../src/index.js';

const PINS = { 'epoch-1/settlement-4.zkey': 'a'.repeat(64) };

function genesisJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    chainId: 'sp-consortium-test',
    genesisTime: '2026-11-26T00:00:00.000Z',
    members: [{ id: 'Orange-FR', operator: 'Orange France', tadig: 'FRAF1', publicKey: toHex(generateEd25519KeyPair().publicKey), peerId: '12D3KooWCPN9YvceZJFNCqFCAYgeFF2qvcCk6KB3pDJ29UNtnSbE', votingPower: 1 }],
    consensus: { ...DEFAULT_CONSENSUS_PARAMS },
    artifacts: {},
    ...extra,
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    parseGenesis(raw);
  } catch (error) {
    if (error instanceof GenesisValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('genesis: trusted setup, network and application', () => {
  it('parses and round-trips a devnet pinning demo keys, and a consortium pinning a ceremony with its transcript hash', () => {
    const devnet = parseGenesis(genesisJson({ artifacts: PINS, trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' }));
    expect(devnet).toMatchObject({ trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' });
    expect(parseGenesis(genesisToJson(devnet))).toEqual(devnet);
    const consortium = parseGenesis(genesisJson({ artifacts: PINS, trustedSetup: { kind: 'ceremony', transcriptSha256: 'b'.repeat(64) } }));
    expect(consortium.trustedSetup).toEqual({ kind: 'ceremony', transcriptSha256: 'b'.repeat(64) });
    expect(consortium.network).toBeUndefined();
    expect(parseGenesis(genesisToJson(consortium))).toEqual(consortium);
  });

  it('a KV test chain says so: application kv-test, no keys', () => {
    const kv = parseGenesis(genesisJson({ application: 'kv-test', network: 'devnet' }));
    expect(kv).toMatchObject({ application: 'kv-test', network: 'devnet', artifacts: {} });
    expect(kv.trustedSetup).toBeUndefined();
    expect(parseGenesis(genesisToJson(kv))).toEqual(kv);
  });

  it('the setup kind, network and application are part of the genesis hash; a genesis without them keeps its form', () => {
    const base = parseGenesis(genesisJson({ artifacts: PINS, trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' }));
    const ceremony = { ...base, trustedSetup: { kind: 'ceremony' as const, transcriptSha256: null } };
    expect(toHex(genesisHash(ceremony))).not.toBe(toHex(genesisHash(base)));
    expect(toHex(genesisHash({ ...base, network: 'production' }))).not.toBe(toHex(genesisHash(base)));
    const plain = parseGenesis(genesisJson());
    expect(Object.keys(genesisToJson(plain))).toEqual(['chainId', 'genesisTime', 'members', 'consensus', 'artifacts']);
  });

  it('names each problem with its path', () => {
    expect(problemsOf(genesisJson({ network: 'mainnet', application: 'bank' }))).toEqual([
      'network: "mainnet" must be "devnet" or "production" ("devnet" marks a local test network; absent means a real consortium)',
      'application: "bank" must be "kv-test" or "settlement" ("kv-test": the key-value test application, which has no proofs)',
    ]);
    expect(problemsOf(genesisJson({ artifacts: PINS, trustedSetup: { kind: 'trusted-me', transcriptSha256: 'xyz', extra: 1 } }))).toEqual([
      'trustedSetup.kind: "trusted-me" must be "demo" or "ceremony" (the kind of trusted setup that made the pinned keys)',
      'trustedSetup.transcriptSha256: must be null or a lowercase sha256 hex digest',
      'trustedSetup.extra: unknown field',
    ]);
    expect(problemsOf(genesisJson({ artifacts: PINS, trustedSetup: 'demo' }))).toEqual([
      'trustedSetup: must be an object { "kind": "demo" | "ceremony", "transcriptSha256": null | "<sha256 hex>" }',
    ]);
    expect(problemsOf(genesisJson({ artifacts: PINS, trustedSetup: { kind: 'demo', transcriptSha256: 'c'.repeat(64) } }))).toEqual([
      'trustedSetup.transcriptSha256: a demo setup has no transcript (null)',
    ]);
    expect(problemsOf(genesisJson({ trustedSetup: { kind: 'ceremony', transcriptSha256: null } }))).toEqual([
      'trustedSetup: pins the setup of keys, but artifacts pins no key files',
    ]);
  });
});
