import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import * as snarkjs from 'snarkjs';
import { buildCircuit, type BuiltCircuit } from './build.js';
import { REPOSITORY_ROOT } from './paths.js';

/**
 * Proving and verification keys for TESTS ONLY: one process makes them with random entropy and
 * a fixed beacon, so they are as insecure as keys can be. Cached in build/test-keys/<name>/ and
 * remade when the circuit changes; a file lock lets parallel test processes share one setup.
 */

export interface TestKeys {
  readonly circuit: BuiltCircuit;
  readonly dir: string;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  readonly vkey: Record<string, unknown>;
  /** The prepared powers of tau the keys were made from, and its power. */
  readonly ptauPath: string;
  readonly ptauPower: number;
}

const TEST_KEYS_ROOT = join(REPOSITORY_ROOT, 'build/test-keys');
const BEACON = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20';

/** log2 of the smallest power-of-two domain that fits the constraints and public inputs. */
export function ptauPowerFor(constraints: number, publicInputs: number): number {
  let power = 8;
  while (2 ** power < constraints + publicInputs + 1) power += 1;
  return power;
}

interface TestKeysRecord {
  readonly r1csSha256: string;
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
    };
    const record = await readFile(join(dir, 'test-keys.json'), 'utf8').then((text) => JSON.parse(text) as TestKeysRecord, () => null);
    if (record?.r1csSha256 !== circuit.manifest.files.r1cs.sha256) await makeTestKeys(circuit, dir, paths);
    const vkey = JSON.parse(await readFile(paths.vkeyPath, 'utf8')) as Record<string, unknown>;
    const ptauPower = ptauPowerFor(circuit.manifest.constraints, circuit.manifest.publicInputs.length);
    return { circuit, dir, ...paths, vkey, ptauPath: join(dir, 'pot_final.ptau'), ptauPower };
  } finally {
    await release();
  }
}

async function makeTestKeys(circuit: BuiltCircuit, dir: string, paths: { zkeyPath: string; vkeyPath: string }): Promise<void> {
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  const file = (name: string) => join(dir, name);
  const entropy = () => randomBytes(32).toString('hex');
  try {
    const power = ptauPowerFor(circuit.manifest.constraints, circuit.manifest.publicInputs.length);
    await snarkjs.powersOfTau.newAccumulator(curve, power, file('pot_0.ptau'));
    await snarkjs.powersOfTau.contribute(file('pot_0.ptau'), file('pot_1.ptau'), 'test contribution', entropy());
    await snarkjs.powersOfTau.beacon(file('pot_1.ptau'), file('pot_beacon.ptau'), 'test beacon', BEACON, 10);
    await snarkjs.powersOfTau.preparePhase2(file('pot_beacon.ptau'), file('pot_final.ptau'));
    const r1cs = join(circuit.dir, circuit.manifest.files.r1cs.path);
    await snarkjs.zKey.newZKey(r1cs, file('pot_final.ptau'), file('circuit_0.zkey'));
    await snarkjs.zKey.contribute(file('circuit_0.zkey'), file('circuit_1.zkey'), 'test contribution', entropy());
    await snarkjs.zKey.beacon(file('circuit_1.zkey'), paths.zkeyPath, 'test beacon', BEACON, 10);
    const vkey = await snarkjs.zKey.exportVerificationKey(paths.zkeyPath);
    await writeFile(paths.vkeyPath, `${JSON.stringify(vkey, null, 2)}\n`);
    for (const temporary of ['pot_0.ptau', 'pot_1.ptau', 'pot_beacon.ptau', 'circuit_0.zkey', 'circuit_1.zkey']) await rm(file(temporary), { force: true });
    const record: TestKeysRecord = { r1csSha256: circuit.manifest.files.r1cs.sha256 };
    await writeFile(join(dir, 'test-keys.json'), `${JSON.stringify(record)}\n`);
  } finally {
    await curve.terminate();
  }
}
