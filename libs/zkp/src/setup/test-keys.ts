import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCircuit, groth16DomainPower, ptauPowerFor, REPOSITORY_ROOT, type BuiltCircuit } from '@consortium/circuits';
import lockfile from 'proper-lockfile';
import { runSinglePartySetup, singlePartyFiles } from './single-party.js';

/**
 * Proving and verification keys for TESTS ONLY: the single-party setup (runSinglePartySetup, the
 * devnet demo's sequence) with a fixed beacon, so as insecure as keys can be. Cached in
 * build/test-keys/<name>/ and remade when the circuit changes; a file lock lets parallel test
 * processes share one setup.
 */

export interface TestKeys {
  readonly circuit: BuiltCircuit;
  readonly dir: string;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  readonly vkey: Record<string, unknown>;
  /** Phase 1's final powers of tau (complete: any domain can be prepared from it), and its power. */
  readonly ptauPath: string;
  readonly ptauPower: number;
  /** The same, prepared for this circuit's domain only: what newZKey and `snarkjs zkey verify` read. */
  readonly preparedPtauPath: string;
  /** Phase 2's first file: snarkjs's newZKey of the circuit and the prepared powers (before any contribution). */
  readonly initZkeyPath: string;
}

const TEST_KEYS_ROOT = join(REPOSITORY_ROOT, 'build/test-keys');
const BEACON = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20';
/** Bumped when the files kept here change, so a cache from before is remade. */
const TEST_KEYS_LAYOUT = 3;

interface TestKeysRecord {
  readonly r1csSha256: string;
  readonly layout: number;
}

export async function ensureTestKeys(name = 'settlement-4'): Promise<TestKeys> {
  const circuit = await buildCircuit(name);
  const dir = join(TEST_KEYS_ROOT, name);
  await mkdir(dir, { recursive: true });
  const release = await lockfile.lock(dir, { retries: { retries: 600, minTimeout: 200, maxTimeout: 500 }, stale: 300_000 });
  try {
    const paths = {
      wasmPath: join(circuit.dir, circuit.manifest.files.wasm.path),
      zkeyPath: join(dir, 'circuit_final.zkey'),
      vkeyPath: join(dir, 'verification_key.json'),
      ptauPath: join(dir, 'pot_final.ptau'),
      preparedPtauPath: join(dir, 'pot_prepared.ptau'),
      initZkeyPath: join(dir, 'circuit_init.zkey'),
    };
    const record = await readFile(join(dir, 'test-keys.json'), 'utf8').then((text) => JSON.parse(text) as TestKeysRecord, () => null);
    if (record?.r1csSha256 !== circuit.manifest.files.r1cs.sha256 || record.layout !== TEST_KEYS_LAYOUT) await makeTestKeys(circuit, dir, paths);
    const vkey = JSON.parse(await readFile(paths.vkeyPath, 'utf8')) as Record<string, unknown>;
    const ptauPower = ptauPowerFor(circuit.manifest.constraints, circuit.manifest.publicInputs.length);
    return { circuit, dir, ...paths, vkey, ptauPower };
  } finally {
    await release();
  }
}

async function makeTestKeys(circuit: BuiltCircuit, dir: string, paths: { zkeyPath: string; vkeyPath: string; ptauPath: string; preparedPtauPath: string; initZkeyPath: string }): Promise<void> {
  const { manifest } = circuit;
  const workDir = join(dir, 'work');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir);
  try {
    const result = await runSinglePartySetup({
      workDir,
      power: ptauPowerFor(manifest.constraints, manifest.publicInputs.length),
      circuits: [{ name: manifest.name, r1csPath: join(circuit.dir, manifest.files.r1cs.path), domainPower: groth16DomainPower(manifest.constraints, manifest.publicInputs.length) }],
      contributionName: 'test contribution',
      ptauBeaconHex: BEACON,
      beaconIterationsExp: 10,
    });
    const keys = result.circuits[manifest.name]!;
    await rename(keys.zkeyPath, paths.zkeyPath);
    await rename(singlePartyFiles(workDir).zkey(manifest.name, 'new'), paths.initZkeyPath);
    await rename(result.ptau.finalPath, paths.ptauPath);
    await rename(result.ptau.preparedPath, paths.preparedPtauPath);
    await writeFile(paths.vkeyPath, `${JSON.stringify(keys.vkey, null, 2)}\n`);
    const record: TestKeysRecord = { r1csSha256: manifest.files.r1cs.sha256, layout: TEST_KEYS_LAYOUT };
    await writeFile(join(dir, 'test-keys.json'), `${JSON.stringify(record)}\n`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
