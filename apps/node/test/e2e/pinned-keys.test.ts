import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleKeysFolder, DemoKeysRefusedError, ensureTestKeys, genesisArtifactPins, type KeysManifest, SetupKindNotPinnedError } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStartError, ProofKeysNotPinnedError, startNode } from '../../src/index.js';
import { waitUntil } from '../support/node-process.js';
import { SILENT_LOG, writeSingleMemberNode, type GenesisProofFields } from '../support/single-member.js';

/**
 * A node loads the proving keys genesis pins before it starts, and refuses any other keys,
 * demo keys outside a devnet, and a chain with proofs but no keys.
 */
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

/** A devnet genesis pinning the demo keys of `manifest`. */
function demoDevnet(artifacts = genesisArtifactPins(manifest)): GenesisProofFields {
  return { artifacts, trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' };
}

describe('a node and the keys genesis pins', () => {
  it('starts with the pinned keys, reports the circuit and warns they are insecure', async () => {
    const lines: string[] = [];
    const config = await writeSingleMemberNode(await nodeDir('ok'), { ...demoDevnet(), keysDir });
    const node = await startNode(config, { logDestination: { write: (line: string) => lines.push(line) } });
    try {
      expect(node.zkp?.epochs.current).toBe(1);
      expect((await node.telemetry.renderMetrics()).body).toContain(`consortium_zkp_circuit_constraints{circuit="settlement-4"} ${manifest.circuits['settlement-4']!.constraints}`);
      expect(lines.some((line) => line.includes('INSECURE single-party demo setup'))).toBe(true);
      // The prover workers' own heaps: a scrape starts the read that a later one shows.
      const workerHeapUsed = /^consortium_zkp_prover_worker_memory_bytes\{kind="used"\} (\d+)$/m;
      await waitUntil("the prover workers' memory on /metrics", async () => workerHeapUsed.test((await node.telemetry.renderMetrics()).body), 30_000);
      expect(Number(workerHeapUsed.exec((await node.telemetry.renderMetrics()).body)![1])).toBeGreaterThan(1_000_000);
    } finally {
      await node.stop();
    }
  });

  it('refuses to start when a file differs from its pin, naming the file and both hashes', async () => {
    const pins = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-4.zkey': '0'.repeat(64) };
    const config = await writeSingleMemberNode(await nodeDir('mismatch'), { ...demoDevnet(pins), keysDir });
    const error = await startNode(config, { logDestination: SILENT_LOG }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).message).toContain(`refusing to start: ${join(keysDir, 'settlement-4.zkey')} does not match genesis`);
    expect((error as Error).message).toContain(`pinned to sha256 ${'0'.repeat(64)}, the file has ${manifest.circuits['settlement-4']!.zkey.sha256}`);
  });

  it('refuses to start when genesis pins keys and node.json does not say where they are', async () => {
    const config = await writeSingleMemberNode(await nodeDir('nokeys'), demoDevnet());
    await expect(startNode(config, { logDestination: SILENT_LOG })).rejects.toThrow('genesis pins 3 key files but node.json has no keysDir');
  });

  // Old code: `insecure` came from the keys manifest; demo keys started a node on any network.
  it('refuses demo keys when genesis does not call the network a devnet', async () => {
    const config = await writeSingleMemberNode(await nodeDir('demo-prod'), { ...demoDevnet(), network: 'production', keysDir });
    const error = await startNode(config, { logDestination: SILENT_LOG }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).cause).toBeInstanceOf(DemoKeysRefusedError);
  });

  it('refuses keys whose setup kind genesis does not pin', async () => {
    const config = await writeSingleMemberNode(await nodeDir('no-kind'), { artifacts: genesisArtifactPins(manifest), network: 'devnet', keysDir });
    const error = await startNode(config, { logDestination: SILENT_LOG }).catch((caught: unknown) => caught);
    expect((error as Error).cause).toBeInstanceOf(SetupKindNotPinnedError);
  });

  // Old code: a genesis without artifacts started a node with no verifier (fail open).
  it('refuses to start a chain with proofs but no pinned keys; starts a KV test chain that says it has none', async () => {
    const config = await writeSingleMemberNode(await nodeDir('fail-open'), { artifacts: {} });
    await expect(startNode(config, { logDestination: SILENT_LOG })).rejects.toBeInstanceOf(ProofKeysNotPinnedError);
    const settlement = await writeSingleMemberNode(await nodeDir('settlement-no-keys'), { artifacts: {}, application: 'settlement' });
    await expect(startNode(settlement, { logDestination: SILENT_LOG })).rejects.toBeInstanceOf(ProofKeysNotPinnedError);
    const kv = await writeSingleMemberNode(await nodeDir('kv'), { artifacts: {}, application: 'kv-test' });
    const node = await startNode(kv, { logDestination: SILENT_LOG });
    try {
      expect(node.zkp).toBeNull();
    } finally {
      await node.stop();
    }
  });
});
