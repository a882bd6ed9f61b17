import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestKeys } from '@consortium/circuits';
import { assembleKeysFolder, genesisArtifactPins, type KeysManifest } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStartError, startNode } from '../../src/index.js';
import { SILENT_LOG, writeSingleMemberNode } from '../support/single-member.js';

/** A node loads the proving keys genesis pins before it starts, and refuses any other keys. */
let root: string;
let keysDir: string;
let manifest: KeysManifest;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-keys-'));
  keysDir = join(root, 'keys');
  const keys = await ensureTestKeys('settlement-4');
  manifest = await assembleKeysFolder(keysDir, {
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [{ name: 'settlement-4', constraints: keys.circuit.manifest.constraints, r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path), wasm: keys.wasmPath, zkey: keys.zkeyPath, vkey: keys.vkeyPath }],
  });
}, 300_000);
afterAll(async () => rm(root, { recursive: true, force: true }));

async function nodeDir(name: string): Promise<string> {
  return mkdtemp(join(root, `${name}-`));
}

describe('a node and the keys genesis pins', () => {
  it('starts with the pinned keys, reports the circuit and warns they are insecure', async () => {
    const lines: string[] = [];
    const config = await writeSingleMemberNode(await nodeDir('ok'), { artifacts: genesisArtifactPins(manifest), keysDir });
    const node = await startNode(config, { logDestination: { write: (line: string) => lines.push(line) } });
    try {
      expect(node.zkp?.epochs.current).toBe(1);
      expect((await node.telemetry.renderMetrics()).body).toContain(`consortium_zkp_circuit_constraints{circuit="settlement-4"} ${manifest.circuits['settlement-4']!.constraints}`);
      expect(lines.some((line) => line.includes('INSECURE single-party demo setup'))).toBe(true);
    } finally {
      await node.stop();
    }
  });

  it('refuses to start when a file differs from its pin, naming the file and both hashes', async () => {
    const pins = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-4.zkey': '0'.repeat(64) };
    const config = await writeSingleMemberNode(await nodeDir('mismatch'), { artifacts: pins, keysDir });
    const error = await startNode(config, { logDestination: SILENT_LOG }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).message).toContain(`refusing to start: ${join(keysDir, 'settlement-4.zkey')} does not match genesis`);
    expect((error as Error).message).toContain(`pinned to sha256 ${'0'.repeat(64)}, the file has ${manifest.circuits['settlement-4']!.zkey.sha256}`);
  });

  it('refuses to start when genesis pins keys and node.json does not say where they are', async () => {
    const config = await writeSingleMemberNode(await nodeDir('nokeys'), { artifacts: genesisArtifactPins(manifest) });
    await expect(startNode(config, { logDestination: SILENT_LOG })).rejects.toThrow('genesis pins 3 key files but node.json has no keysDir');
  });
});
