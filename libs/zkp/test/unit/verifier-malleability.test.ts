// Groth16 proofs are malleable: from one valid proof anyone can make another valid proof of the
// same statement, without the witness. This test does it ((A, B, C) -> (r A, r^-1 B, C)) and
// checks both verify: nothing may identify a statement by its proof bytes (encoding.ts,
// docs/decisions.md). The proof comes from the trapdoor fixture the pool tests use.
import { randomBytes } from 'node:crypto';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettlementProof } from '../../src/proof.js';
import { VerificationKeys } from '../../src/verifier/keys.js';
import { Groth16Verifier } from '../../src/verifier/verifier.js';
import { R, syntheticKey } from '../support/verifier.js';
import { trapdoorProof } from './fixtures/trapdoor-proof.mjs';

/** The parts of ffjavascript's curve groups used here (it ships no types). */
interface Group {
  fromObject(point: unknown): Uint8Array;
  toObject(point: Uint8Array): unknown;
  toAffine(point: Uint8Array): Uint8Array;
  timesScalar(point: Uint8Array, scalar: bigint): Uint8Array;
}

const toDecimal = (value: unknown): unknown => (Array.isArray(value) ? value.map(toDecimal) : String(value));
const toBigInt = (value: unknown): unknown => (Array.isArray(value) ? value.map(toBigInt) : BigInt(value as string));

let curve: snarkjs.Curve;
let verifier: Groth16Verifier;

beforeAll(async () => {
  curve = await snarkjs.curves.getCurveFromName('bn128', { singleThread: true });
  const keys = new VerificationKeys();
  keys.add(1, 'settlement-4', syntheticKey(5));
  verifier = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null });
});

afterAll(async () => {
  await verifier.close();
  await curve.terminate();
});

function inverse(value: bigint): bigint {
  let [a, b, x, y] = [value % R, R, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  return ((x % R) + R) % R;
}

describe('Groth16 malleability', () => {
  it('anyone can turn a valid proof into another valid proof of the same statement, without the witness', async () => {
    const { G1, G2 } = curve as unknown as { G1: Group; G2: Group };
    const made = trapdoorProof(['42', '1', '2', '3']);
    const original: SettlementProof = { epoch: 1, circuit: 'settlement-4', ...made };
    const r = (BigInt(`0x${randomBytes(31).toString('hex')}`) % (R - 2n)) + 2n;
    const times = (group: Group, point: unknown, scalar: bigint) => toDecimal(group.toObject(group.toAffine(group.timesScalar(group.fromObject(toBigInt(point)), scalar))));
    const mauled: SettlementProof = {
      ...original,
      proof: { ...original.proof, pi_a: times(G1, original.proof.pi_a, r) as string[], pi_b: times(G2, original.proof.pi_b, inverse(r)) as string[][] },
    };
    expect(JSON.stringify(mauled.proof)).not.toBe(JSON.stringify(original.proof));
    expect(mauled.publicSignals).toEqual(original.publicSignals);
    expect((await verifier.verify(original)).outcome).toBe('valid');
    expect((await verifier.verify(mauled)).outcome).toBe('valid');
  });
});
