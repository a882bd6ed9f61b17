import { genesisArtifactPins, type KeysManifest } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import { demoKeysStale, devnetStale } from '../../src/launcher/reuse.js';

const entry = (path: string, sha: string) => ({ path, sha256: sha.repeat(64), bytes: 100 });

function manifest(circuits: Record<string, string>): KeysManifest {
  return {
    format: 'consortium-keys/1',
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    createdAt: '2026-11-29T06:00:00.000Z',
    ptau: { power: 12, file: entry('powers-of-tau-12.INSECURE.ptau', '0') },
    circuits: Object.fromEntries(
      Object.entries(circuits).map(([name, r1cs]) => [
        name,
        { constraints: 4_081, r1cs: entry(`${name}.r1cs`, r1cs), wasm: entry(`${name}.wasm`, 'b'), zkey: entry(`${name}.INSECURE.zkey`, 'c'), vkey: entry(`${name}.INSECURE.vkey.json`, 'd') },
      ]),
    ),
  };
}

describe('demo keys reuse', () => {
  const keys = manifest({ 'settlement-61': 'a' });

  it('reuses keys for the same circuits built from the same sources', () => {
    expect(demoKeysStale(keys, [{ name: 'settlement-61', r1csSha256: 'a'.repeat(64) }])).toBeNull();
  });

  it('makes them when there are none, for other circuits, or when a circuit changed', () => {
    expect(demoKeysStale(null, [{ name: 'settlement-61', r1csSha256: 'a'.repeat(64) }])).toBe('no demo keys yet');
    expect(demoKeysStale(keys, [{ name: 'settlement-4', r1csSha256: 'a'.repeat(64) }])).toBe('the keys are for settlement-61, this run wants settlement-4');
    expect(demoKeysStale(keys, [{ name: 'settlement-61', r1csSha256: 'e'.repeat(64) }])).toBe('the circuit settlement-61 changed since its keys were made');
    expect(demoKeysStale(keys, [{ name: 'settlement-61', r1csSha256: 'a'.repeat(64) }, { name: 'settlement-4', r1csSha256: 'a'.repeat(64) }])).toMatch(/^the keys are for settlement-61, this run wants settlement-4, settlement-61$/);
  });
});

describe('devnet reuse', () => {
  const keys = manifest({ 'settlement-61': 'a' });
  const genesis = (members: number, pins = genesisArtifactPins(keys)) => ({
    members: Array.from({ length: members }, (_, i) => i),
    network: 'devnet' as const,
    artifacts: pins,
    trustedSetup: { kind: 'demo' as const, transcriptSha256: null },
  });

  it.each([4, 5, 7])('goes on with a chain of %i members that pins the keys in use', (members) => {
    expect(devnetStale(genesis(members), members, keys)).toBeNull();
  });

  it('starts a new one when there is none, the member count differs, or genesis pins other keys', () => {
    expect(devnetStale(null, 5, keys)).toBe('no devnet yet');
    expect(devnetStale(genesis(5), 7, keys)).toBe('the devnet has 5 members, this run wants 7');
    const other = manifest({ 'settlement-61': 'f' });
    const pins = { ...genesisArtifactPins(keys), 'epoch-1/settlement-61.zkey': 'f'.repeat(64) };
    expect(devnetStale(genesis(5, pins), 5, keys)).toBe("its genesis pins other keys than the demo keys'");
    expect(devnetStale({ ...genesis(5), artifacts: {} }, 5, other)).toBe("its genesis pins other keys than the demo keys'");
    expect(devnetStale({ ...genesis(5), trustedSetup: { kind: 'ceremony', transcriptSha256: 'a'.repeat(64) } }, 5, keys)).toBe("its genesis pins other keys than the demo keys'");
    const { network: _network, ...production } = genesis(5);
    expect(devnetStale(production, 5, keys)).toBe('its genesis is not a devnet genesis');
  });

  it("goes on with a chain that pins a ceremony's keys and its transcript, and not with another transcript", () => {
    const ceremonyKeys: KeysManifest = { ...keys, insecure: false, ceremony: 'multi-party' };
    const transcript = 'e'.repeat(64);
    const pinned = { ...genesis(5, genesisArtifactPins(ceremonyKeys)), trustedSetup: { kind: 'ceremony' as const, transcriptSha256: transcript } };
    expect(devnetStale(pinned, 5, ceremonyKeys, transcript)).toBeNull();
    expect(devnetStale(pinned, 5, ceremonyKeys, 'f'.repeat(64))).toBe("its genesis pins other keys than the demo keys'");
    expect(devnetStale(pinned, 5, ceremonyKeys)).toBe("its genesis pins other keys than the demo keys'");
  });
});
