import { readFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import * as snarkjs from 'snarkjs';
import { circuitDefinition } from '@consortium/circuits';
import { buildSettlementWitness, ensureTestKeys, FIELD_MODULUS, type Groth16Proof, type SettlementBatch, type SettlementPublicInputs, type TestKeys } from '@consortium/zkp';

/**
 * Real Groth16 proofs on the small test circuit settlement-4 (its test keys are made once and
 * cached in build/test-keys), and the malleability anyone can apply to them.
 */

export const CIRCUIT = 'settlement-4';
export const BATCH_SIZE = circuitDefinition(CIRCUIT).params.batchSize;

let keys: Promise<TestKeys> | null = null;
export function testKeys(): Promise<TestKeys> {
  keys ??= ensureTestKeys(CIRCUIT);
  return keys;
}

/** Genesis pins of epoch 1: the sha256 of the test keys' files. */
export async function genesisArtifactsOf(k: TestKeys): Promise<Record<string, string>> {
  const digest = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
  return {
    [`epoch-1/${CIRCUIT}.zkey`]: await digest(k.zkeyPath),
    [`epoch-1/${CIRCUIT}.wasm`]: await digest(k.wasmPath),
    [`epoch-1/${CIRCUIT}.vkey`]: await digest(k.vkeyPath),
  };
}

export async function prove(batch: SettlementBatch): Promise<{ publicInputs: SettlementPublicInputs; proof: Groth16Proof }> {
  const k = await testKeys();
  const witness = buildSettlementWitness(batch, circuitDefinition(CIRCUIT).params);
  const { proof } = await snarkjs.groth16.fullProve(witness.input, k.wasmPath, k.zkeyPath);
  return { publicInputs: witness.publicInputs, proof };
}

interface Group {
  fromObject(point: unknown): Uint8Array;
  toObject(point: Uint8Array): unknown;
  toAffine(point: Uint8Array): Uint8Array;
  timesScalar(point: Uint8Array, scalar: bigint): Uint8Array;
}

const toDecimal = (value: unknown): unknown => (Array.isArray(value) ? value.map(toDecimal) : String(value));
const toBigInt = (value: unknown): unknown => (Array.isArray(value) ? value.map(toBigInt) : BigInt(value as string));

function inverse(value: bigint): bigint {
  let [a, b, x, y] = [value % FIELD_MODULUS, FIELD_MODULUS, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  return ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
}

/** Another valid proof of the same statement, made without the witness: (A, B, C) -> (r A, r^-1 B, C). */
export async function rerandomise(proof: Groth16Proof): Promise<Groth16Proof> {
  const curve = await snarkjs.curves.getCurveFromName('bn128', { singleThread: true });
  try {
    const { G1, G2 } = curve as unknown as { G1: Group; G2: Group };
    const r = (BigInt(`0x${randomBytes(31).toString('hex')}`) % (FIELD_MODULUS - 2n)) + 2n;
    const times = (group: Group, point: unknown, scalar: bigint) => toDecimal(group.toObject(group.toAffine(group.timesScalar(group.fromObject(toBigInt(point)), scalar))));
    return { ...proof, pi_a: times(G1, proof.pi_a, r) as string[], pi_b: times(G2, proof.pi_b, inverse(r)) as string[][] };
  } finally {
    await curve.terminate();
  }
}

/** snarkjs's fullProve starts a shared multi-threaded curve that keeps the process alive. */
export async function releaseSnarkjs(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
