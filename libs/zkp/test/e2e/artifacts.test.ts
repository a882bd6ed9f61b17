import { spawnSync } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, readlink, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileEntry, sha256File } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTelemetry } from '@consortium/telemetry';
import { sampleBatch } from '../support/batches.js';
import { ArtifactHashMismatchError, ArtifactPathError, assembleKeysFolder, DemoKeysRefusedError, ensureTestKeys, genesisArtifactPins, type GenesisKeyPins, Groth16Verifier, InvalidArtifactError, KeyEpochs, KEYS_MANIFEST_FILE, type KeysManifest, KeysManifestError, loadEpoch, MissingArtifactError, ProverPool, proveSettlement, SetupKindMismatchError, SetupKindNotPinnedError, UncontributedKeyError, UnpinnedCircuitError } from '../../src/index.js';

/** A keys folder laid out as a ceremony writes it, from the test keys of settlement-4. */
let root: string;
let dir: string;
let manifest: KeysManifest;
let originalManifest: string;

/** The genesis of a devnet that pins this folder's demo keys. */
function devnetPins(artifacts: Record<string, string> = genesisArtifactPins(manifest)): GenesisKeyPins {
  return { artifacts, trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' };
}

async function editManifest(change: (manifest: Record<string, unknown> & { circuits: Record<string, Record<string, unknown>> }) => void): Promise<void> {
  const edited = JSON.parse(originalManifest) as Record<string, unknown> & { circuits: Record<string, Record<string, unknown>> };
  change(edited);
  await writeFile(join(dir, KEYS_MANIFEST_FILE), JSON.stringify(edited));
}

beforeAll(async () => {
  const keys = await ensureTestKeys('settlement-4');
  root = await mkdtemp(join(tmpdir(), 'keys-'));
  dir = join(root, 'keys');
  manifest = await assembleKeysFolder(dir, {
    epoch: 1,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [
      {
        name: 'settlement-4',
        constraints: keys.circuit.manifest.constraints,
        r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path),
        wasm: keys.wasmPath,
        zkey: keys.zkeyPath,
        vkey: keys.vkeyPath,
      },
    ],
  });
  originalManifest = await readFile(join(dir, KEYS_MANIFEST_FILE), 'utf8');
}, 300_000);

afterAll(async () => rm(root, { recursive: true, force: true }));

describe('loading keys pinned in genesis', () => {
  it('loads the epoch when every pinned hash matches, with the pins a prover worker checks', async () => {
    const loaded = await loadEpoch(dir, devnetPins());
    expect(loaded.epoch).toBe(1);
    expect(loaded.insecure).toBe(true);
    expect(loaded.setup).toEqual({ kind: 'demo', transcriptSha256: null });
    const circuit = loaded.circuits.get('settlement-4');
    expect(circuit?.constraints).toBe(manifest.circuits['settlement-4']!.constraints);
    expect(circuit?.vkey.nPublic).toBe(8); // circuit v2's public inputs
    expect(circuit?.zkeySha256).toBe(manifest.circuits['settlement-4']!.zkey.sha256);
    expect(circuit?.wasmSha256).toBe(manifest.circuits['settlement-4']!.wasm.sha256);
  });

  it('refuses a file whose hash differs from its pin, naming the file and both hashes', async () => {
    const pins = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-4.zkey': 'f'.repeat(64) };
    const error = await loadEpoch(dir, devnetPins(pins)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArtifactHashMismatchError);
    const mismatch = error as ArtifactHashMismatchError;
    expect(mismatch.file).toBe(join(dir, 'settlement-4.zkey'));
    expect(mismatch.pinnedSha256).toBe('f'.repeat(64));
    expect(mismatch.actualSha256).toBe(manifest.circuits['settlement-4']!.zkey.sha256);
    expect(mismatch.message).toContain('epoch-1/settlement-4.zkey is pinned to sha256 ffff');
  });

  it('refuses keys that genesis does not pin, and pins the folder does not hold', async () => {
    await expect(loadEpoch(dir, devnetPins({}))).rejects.toBeInstanceOf(UnpinnedCircuitError);
    const extra = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-64.vkey': 'a'.repeat(64) };
    await expect(loadEpoch(dir, devnetPins(extra))).rejects.toThrow(/genesis pins epoch-1\/settlement-64.vkey/);
  });

  it('refuses a verification key whose phase 2 had no contribution (gamma = delta)', async () => {
    const vkeyFile = join(dir, 'settlement-4.vkey.json');
    const original = await readFile(vkeyFile, 'utf8');
    const vkey = JSON.parse(original) as Record<string, unknown>;
    await writeFile(vkeyFile, JSON.stringify({ ...vkey, vk_delta_2: vkey.vk_gamma_2 }));
    try {
      const forged = { ...manifest, circuits: { 'settlement-4': { ...manifest.circuits['settlement-4']!, vkey: await fileEntry(vkeyFile, 'settlement-4.vkey.json') } } };
      await expect(loadEpoch(dir, devnetPins(genesisArtifactPins(forged)))).rejects.toBeInstanceOf(UncontributedKeyError);
    } finally {
      await writeFile(vkeyFile, original);
    }
  });

  // Old code: the loader compared gamma and delta as JSON and parsed nothing else, so a pinned
  // key the verifier's registry refuses was loaded and failed later with a VerificationKeyError.
  it('refuses a pinned verification key the verifier could not use (IC and nPublic disagree) with an ArtifactError', async () => {
    const vkeyFile = join(dir, 'settlement-4.vkey.json');
    const original = await readFile(vkeyFile, 'utf8');
    const vkey = JSON.parse(original) as Record<string, unknown>;
    await writeFile(vkeyFile, JSON.stringify({ ...vkey, nPublic: 6 }));
    try {
      const pins = { ...genesisArtifactPins(manifest), 'epoch-1/settlement-4.vkey': await sha256File(vkeyFile) };
      await expect(loadEpoch(dir, devnetPins(pins))).rejects.toBeInstanceOf(InvalidArtifactError);
    } finally {
      await writeFile(vkeyFile, original);
    }
  });

  it('says what to run when the folder has no manifest', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-keys-'));
    await expect(loadEpoch(empty, devnetPins({}))).rejects.toThrow(MissingArtifactError);
    await expect(loadEpoch(empty, devnetPins({}))).rejects.toThrow(/consortium-setup ceremony demo --out/);
    await rm(empty, { recursive: true });
  });
});

describe('the setup kind genesis pins', () => {
  // Old code: `insecure` came from the unpinned manifest and demo keys loaded on any network.
  it('refuses demo keys on a network genesis does not call a devnet', async () => {
    const error = await loadEpoch(dir, { ...devnetPins(), network: 'production' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DemoKeysRefusedError);
    expect((error as Error).message).toMatch(/INSECURE single-party demo setup/);
  });

  it('refuses keys when genesis does not pin the kind of setup that made them', async () => {
    await expect(loadEpoch(dir, { artifacts: genesisArtifactPins(manifest), network: 'devnet' })).rejects.toBeInstanceOf(SetupKindNotPinnedError);
  });

  it('refuses a folder whose manifest says demo where genesis pins a ceremony, and takes insecure from genesis only', async () => {
    const pins: GenesisKeyPins = { artifacts: genesisArtifactPins(manifest), trustedSetup: { kind: 'ceremony', transcriptSha256: null }, network: 'production' };
    await expect(loadEpoch(dir, pins)).rejects.toBeInstanceOf(SetupKindMismatchError);
    // A manifest that claims a secure ceremony does not make genesis's demo keys secure: both must agree.
    await editManifest((edited) => Object.assign(edited, { insecure: false, ceremony: 'multi-party' }));
    try {
      await expect(loadEpoch(dir, devnetPins())).rejects.toBeInstanceOf(SetupKindMismatchError);
      const loaded = await loadEpoch(dir, pins);
      expect(loaded.insecure).toBe(false);
    } finally {
      await writeFile(join(dir, KEYS_MANIFEST_FILE), originalManifest);
    }
  });
});

describe('paths from the manifest', () => {
  afterAll(async () => writeFile(join(dir, KEYS_MANIFEST_FILE), originalManifest));

  // Old code: join(dir, path) read whatever the manifest named; a file outside whose hash
  // matched its pin loaded.
  it('refuses a path that climbs out with "..", even to a file whose hash matches the pin', async () => {
    await writeFile(join(root, 'outside.zkey'), await readFile(join(dir, 'settlement-4.zkey')));
    await editManifest((edited) => (edited.circuits['settlement-4']!.zkey = { ...manifest.circuits['settlement-4']!.zkey, path: '../outside.zkey' }));
    const error = await loadEpoch(dir, devnetPins()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArtifactPathError);
    expect(error).toMatchObject({ path: '../outside.zkey', keysDir: dir });
  });

  it('refuses an absolute path', async () => {
    await editManifest((edited) => (edited.circuits['settlement-4']!.wasm = { ...manifest.circuits['settlement-4']!.wasm, path: join(dir, 'settlement-4.wasm') }));
    await expect(loadEpoch(dir, devnetPins())).rejects.toBeInstanceOf(ArtifactPathError);
  });

  it('refuses a symbolic link that leads outside the folder, and follows one that stays inside', async () => {
    await symlink(join(root, 'outside.zkey'), join(dir, 'link-out.zkey'));
    await mkdir(join(dir, 'sub'), { recursive: true });
    await symlink(join(dir, 'settlement-4.zkey'), join(dir, 'sub', 'link-in.zkey'));
    try {
      await editManifest((edited) => (edited.circuits['settlement-4']!.zkey = { ...manifest.circuits['settlement-4']!.zkey, path: 'link-out.zkey' }));
      await expect(loadEpoch(dir, devnetPins())).rejects.toBeInstanceOf(ArtifactPathError);
      await editManifest((edited) => (edited.circuits['settlement-4']!.zkey = { ...manifest.circuits['settlement-4']!.zkey, path: 'sub/link-in.zkey' }));
      const loaded = await loadEpoch(dir, devnetPins());
      expect(loaded.circuits.get('settlement-4')?.zkeyPath).toBe(join(await realpath(dir), 'settlement-4.zkey'));
    } finally {
      await unlink(join(dir, 'link-out.zkey'));
      await rm(join(dir, 'sub'), { recursive: true });
    }
  });

  // Old code: keys[kind].path of a missing kind threw a TypeError.
  it.each(['wasm', 'zkey', 'vkey'])('a circuit without its %s entry is a KeysManifestError, not a TypeError', async (kind) => {
    await editManifest((edited) => delete edited.circuits['settlement-4']![kind]);
    const error = await loadEpoch(dir, devnetPins()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeysManifestError);
    expect((error as Error).message).toContain(`circuits.settlement-4.${kind} is missing`);
  });
});

describe('the verification key is hashed and parsed from the same bytes', () => {
  // Old code hashed the file, then read it again to parse it: what it parsed was not what it
  // had checked. A named pipe serves different bytes to each reader: the pinned key to the
  // first, a forged one to the second.
  it('loads the bytes it checked, never a second read', async () => {
    const vkeyFile = join(dir, 'settlement-4.vkey.json');
    const pinned = await readFile(vkeyFile);
    const forged = JSON.stringify({ ...(JSON.parse(pinned.toString('utf8')) as Record<string, unknown>), vk_alpha_1: ['1', '2', '1'] });
    const fifo = join(dir, 'settlement-4.fifo.vkey.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await editManifest((edited) => (edited.circuits['settlement-4']!.vkey = { ...manifest.circuits['settlement-4']!.vkey, path: 'settlement-4.fifo.vkey.json' }));
    const serve = (bytes: string | Buffer) =>
      new Promise<void>((resolve, reject) => {
        const stream = createWriteStream(fifo);
        stream.on('error', reject);
        stream.on('close', resolve);
        stream.end(bytes);
      });
    // The loader runs in this process: is one of its descriptors still reading the pipe?
    const fifoPath = await realpath(fifo);
    const readerOpen = async () => {
      for (const fd of await readdir('/proc/self/fd')) {
        if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === fifoPath) return true;
      }
      return false;
    };
    let loading = true;
    const served = (async () => {
      await serve(pinned);
      // The forged bytes only once the first reader has closed: a writer opened while it still
      // reads would not end its stream (it would read both servings as one; this test flaked
      // so on a loaded machine). A second open, which old code made, then gets the forged key.
      while (loading && (await readerOpen())) await new Promise((resolve) => setTimeout(resolve, 5));
      if (loading) await serve(forged);
    })();
    try {
      const loaded = await loadEpoch(dir, devnetPins());
      expect(loaded.circuits.get('settlement-4')?.vkey).toEqual(JSON.parse(pinned.toString('utf8')));
    } finally {
      loading = false;
      // A reader of our own lets a writer still waiting for one finish; non-blocking, so it never waits itself.
      const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      await served.catch(() => undefined);
      await reader.close();
      await unlink(fifo);
      await writeFile(join(dir, KEYS_MANIFEST_FILE), originalManifest);
    }
  });
});

describe('the pipeline: pinned keys -> prover pool -> verifier', () => {
  it('proves a batch with the loaded epoch and verifies it by the epoch the proof names', async () => {
    const telemetry = setupTelemetry({ serviceName: 'zkp-test', memberId: 'Orange-FR', env: {}, collectors: false, registerGlobal: false, logLevel: 'silent' });
    const epochs = new KeyEpochs(telemetry.metrics.zkp);
    epochs.add(await loadEpoch(dir, devnetPins()));
    const pool = new ProverPool({ workers: 1, metrics: telemetry.metrics.zkp });
    const verifier = new Groth16Verifier(epochs.verificationKeys, { metrics: telemetry.metrics.zkp, security: telemetry.metrics.security, tracer: null });
    try {
      await pool.start();
      const proof = await proveSettlement(pool, epochs, 'settlement-4', sampleBatch());
      expect(proof).toMatchObject({ epoch: 1, circuit: 'settlement-4' });
      expect((await verifier.verify(proof)).outcome).toBe('valid');
      expect((await verifier.verify({ ...proof, epoch: 2 })).outcome).toBe('error'); // no such epoch
      expect((await telemetry.renderMetrics()).body).toContain(`consortium_zkp_circuit_constraints{circuit="settlement-4"} ${manifest.circuits['settlement-4']!.constraints}`);
    } finally {
      await pool.close();
      await verifier.close();
      await telemetry.shutdown();
    }
  }, 120_000);
});
