import type { Telemetry } from '@consortium/telemetry';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchTooLargeError,
  InvalidProofError,
  InvalidVerificationKeyError,
  PointNotInSubgroupError,
  PointNotOnCurveError,
  ProofFormatError,
  PublicSignalCountError,
  PublicSignalRangeError,
  UnknownVerificationKeyError,
  VerifierClosedError,
} from '../../src/verifier/errors.js';
import type { SettlementProof } from '../../src/proof.js';
import { VerificationKeys } from '../../src/verifier/keys.js';
import { Groth16Verifier } from '../../src/verifier/verifier.js';
import {
  counterValue,
  envelope,
  G1_GEN,
  G2_GEN,
  G2_NOT_IN_SUBGROUP,
  histogramCount,
  R,
  recordingTracer,
  syntheticKey,
  syntheticProof,
  testTelemetry,
} from '../support/verifier.js';

/**
 * The verifier without real proofs. The synthetic key has alpha = IC_0 = G1, IC_1 = -G1,
 * IC_2 = G1, beta = gamma = G2, delta = -G2; the synthetic proof A = C = G1, B = G2. Then
 * e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta) reduces to 1 = 1 - s_1 + s_2: the proof is
 * valid exactly when both public signals are equal. That gives valid and invalid proofs for
 * the pairing code, and well-formed points to break one at a time.
 */

const VALID_SIGNALS = ['5', '5'];
const INVALID_SIGNALS = ['5', '6'];

let telemetry: Telemetry;
let verifier: Groth16Verifier;
let keys: VerificationKeys;
const recorded = recordingTracer();

beforeAll(async () => {
  telemetry = testTelemetry();
  keys = new VerificationKeys();
  keys.add(1, 'settlement-4', syntheticKey());
  keys.add(2, 'settlement-4', syntheticKey());
  verifier = new Groth16Verifier(keys, { metrics: telemetry.metrics.zkp, security: telemetry.metrics.security, tracer: recorded.tracer });
  await verifier.start();
});

afterAll(async () => {
  await verifier.close();
  await telemetry.shutdown();
});

const invalidProofs = () => counterValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'invalid_proof' });
const malformedMessages = () => counterValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'malformed' });
const verifications = (circuit: string, outcome: string) => counterValue(telemetry, 'consortium_zkp_verifications_total', { circuit, outcome });

describe('single verification', () => {
  it('accepts a valid proof and counts it, with a zkp.verify span', async () => {
    const before = await verifications('settlement-4', 'valid');
    const timings = await histogramCount(telemetry, 'consortium_zkp_verify_duration_seconds', { circuit: 'settlement-4', mode: 'single' });
    const spans = recorded.spans.length;
    await expect(verifier.verify(envelope(syntheticProof(), VALID_SIGNALS))).resolves.toEqual({ outcome: 'valid', error: null });
    expect(await verifications('settlement-4', 'valid')).toBe(before + 1);
    expect(await histogramCount(telemetry, 'consortium_zkp_verify_duration_seconds', { circuit: 'settlement-4', mode: 'single' })).toBe(timings + 1);
    const span = recorded.spans[spans]!;
    expect(span).toMatchObject({ name: 'zkp.verify', ended: true, attributes: { 'zkp.circuit': 'settlement-4', 'zkp.proofs': 1, 'zkp.valid': true } });
  });

  it('finds a proof invalid for other signals, and counts a security event', async () => {
    const before = await invalidProofs();
    const result = await verifier.verify(envelope(syntheticProof(), INVALID_SIGNALS));
    expect(result.outcome).toBe('invalid');
    expect(result.error).toBeInstanceOf(InvalidProofError);
    expect(result.error?.name).toBe('InvalidProofError');
    expect(await invalidProofs()).toBe(before + 1);
    expect(recorded.spans.at(-1)?.attributes['zkp.valid']).toBe(false);
  });

  it.each([
    ['a signal >= r', syntheticProof(), ['5', R.toString()], PublicSignalRangeError],
    ['too few signals', syntheticProof(), ['5'], PublicSignalCountError],
    ['too many signals', syntheticProof(), ['5', '5', '5'], PublicSignalCountError],
    ['pi_a off the curve', syntheticProof({ pi_a: ['1', '3', '1'] }), VALID_SIGNALS, PointNotOnCurveError],
    ['pi_c off the curve', syntheticProof({ pi_c: ['2', '2', '1'] }), VALID_SIGNALS, PointNotOnCurveError],
    ['pi_b off the curve', syntheticProof({ pi_b: [G2_GEN[1], G2_GEN[0], ['1', '0']] }), VALID_SIGNALS, PointNotOnCurveError],
    ['pi_b outside G2', syntheticProof({ pi_b: G2_NOT_IN_SUBGROUP }), VALID_SIGNALS, PointNotInSubgroupError],
    ['pi_a and pi_b swapped', syntheticProof({ pi_a: G2_GEN, pi_b: G1_GEN }), VALID_SIGNALS, ProofFormatError],
    ['no proof', null as unknown as ReturnType<typeof syntheticProof>, VALID_SIGNALS, ProofFormatError],
  ])('refuses %s as an error of its own class, counted as malformed', async (_, proof, signals, errorClass) => {
    const before = await malformedMessages();
    const result = await verifier.verify(envelope(proof, signals));
    expect(result.outcome).toBe('error');
    expect(result.error).toBeInstanceOf(errorClass);
    expect(result.error?.name).toBe(errorClass.name);
    expect(await malformedMessages()).toBe(before + 1);
  });

  it('reports an unknown epoch or circuit under the circuit label "unknown", not as a peer fault', async () => {
    const malformed = await malformedMessages();
    const unknown = await verifications('unknown', 'error');
    const result = await verifier.verify(envelope(syntheticProof(), VALID_SIGNALS, 9));
    expect(result.error).toBeInstanceOf(UnknownVerificationKeyError);
    expect(result.error).toMatchObject({ epoch: 9, circuit: 'settlement-4' });
    expect((await verifier.verify(envelope(syntheticProof(), VALID_SIGNALS, 1, 'made-up'))).error).toBeInstanceOf(UnknownVerificationKeyError);
    expect(await verifications('unknown', 'error')).toBe(unknown + 2);
    expect(await malformedMessages()).toBe(malformed);
  });

  it('refuses a malformed envelope', async () => {
    const result = await verifier.verify({ ...envelope(syntheticProof(), VALID_SIGNALS), epoch: '1' as unknown as number });
    expect(result.error).toMatchObject({ name: 'ProofFormatError', field: 'epoch' });
    expect((await verifier.verify(null as unknown as SettlementProof)).error).toMatchObject({ name: 'ProofFormatError', field: 'envelope' });
    expect((await verifier.verifyBatch([null as unknown as SettlementProof])).failures[0]?.error).toBeInstanceOf(ProofFormatError);
  });

  it('checks G2 subgroup membership exactly: multiples of the generator pass, a point with a foreign component fails', async () => {
    const curve = (await snarkjs.curves.getCurveFromName('bn128', { singleThread: true })) as unknown as TestCurve;
    try {
      const g2 = curve.G2.fromObject(G2_GEN.map((c) => c.map(BigInt)));
      const foreign = curve.G2.fromObject(G2_NOT_IN_SUBGROUP.map((c) => c.map(BigInt)));
      const asJson = (point: Uint8Array) => curve.G2.toObject(curve.G2.toAffine(point)).map((c) => c.map(String));
      for (const k of [2n, 3n, 0xdeadbeefn, R - 1n]) {
        const multiple = curve.G2.timesScalar(g2, k);
        const inGroup = await verifier.verify(envelope(syntheticProof({ pi_b: asJson(multiple) }), VALID_SIGNALS));
        expect(inGroup.error?.name, `${k} * G2`).toBe('InvalidProofError');
        const outside = await verifier.verify(envelope(syntheticProof({ pi_b: asJson(curve.G2.add(multiple, foreign)) }), VALID_SIGNALS));
        expect(outside.error?.name, `${k} * G2 + T`).toBe('PointNotInSubgroupError');
      }
    } finally {
      await curve.terminate();
    }
  });
});

/** The ffjavascript calls this test makes (snarkjs's Curve type leaves them unknown). */
interface TestCurve {
  G2: {
    fromObject(point: bigint[][]): Uint8Array;
    timesScalar(point: Uint8Array, scalar: bigint): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    toAffine(point: Uint8Array): Uint8Array;
    toObject(point: Uint8Array): bigint[][];
  };
  terminate(): Promise<void>;
}

describe('batch verification', () => {
  it('names exactly the invalid and malformed proofs of a batch', async () => {
    const batch = Array.from({ length: 10 }, () => envelope(syntheticProof(), VALID_SIGNALS));
    batch[3] = envelope(syntheticProof(), INVALID_SIGNALS);
    batch[8] = envelope(syntheticProof(), ['7', '1']);
    batch[5] = envelope(syntheticProof({ pi_a: ['1', '3', '1'] }), VALID_SIGNALS);
    batch[6] = envelope(syntheticProof(), VALID_SIGNALS, 42);
    const result = await verifier.verifyBatch(batch);
    expect(result.valid).toBe(false);
    expect(result.groups).toBe(1);
    expect(result.failures.map((failure) => [failure.index, failure.outcome, failure.error.name])).toEqual([
      [3, 'invalid', 'InvalidProofError'],
      [5, 'error', 'PointNotOnCurveError'],
      [6, 'error', 'UnknownVerificationKeyError'],
      [8, 'invalid', 'InvalidProofError'],
    ]);
    expect(result.results.filter((r) => r.outcome === 'valid')).toHaveLength(6);
    expect(result.results[0]).toEqual({ outcome: 'valid', error: null });
  });

  it('finds every bad proof when most are bad', async () => {
    const bad = new Set([0, 1, 2, 4, 5, 7, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 22]);
    const batch = Array.from({ length: 23 }, (_, i) => envelope(syntheticProof(), bad.has(i) ? INVALID_SIGNALS : VALID_SIGNALS));
    const result = await verifier.verifyBatch(batch);
    expect(result.failures.map((failure) => failure.index)).toEqual([...bad]);
  });

  it('names every proof of a batch where all are bad (bisection gives way to one-by-one checks)', async () => {
    const batch = Array.from({ length: 40 }, () => envelope(syntheticProof(), INVALID_SIGNALS));
    const result = await verifier.verifyBatch(batch);
    expect(result.failures.map((failure) => failure.index)).toEqual(batch.map((_, index) => index));
  });

  it('checks proofs of different keys in separate groups', async () => {
    const batch = [1, 2, 1, 2, 2].map((epoch) => envelope(syntheticProof(), VALID_SIGNALS, epoch));
    batch.push(envelope(syntheticProof(), INVALID_SIGNALS, 2));
    const result = await verifier.verifyBatch(batch);
    expect(result.groups).toBe(2);
    expect(result.failures.map((failure) => failure.index)).toEqual([5]);
  });

  it('records the batch size, one timing per group and a span over the call', async () => {
    const sizes = await histogramCount(telemetry, 'consortium_zkp_verify_batch_proofs', {});
    const timings = await histogramCount(telemetry, 'consortium_zkp_verify_duration_seconds', { circuit: 'settlement-4', mode: 'batch' });
    const valid = await verifications('settlement-4', 'valid');
    await verifier.verifyBatch([1, 2, 2].map((epoch) => envelope(syntheticProof(), VALID_SIGNALS, epoch)));
    expect(await histogramCount(telemetry, 'consortium_zkp_verify_batch_proofs', {})).toBe(sizes + 1);
    expect(await histogramCount(telemetry, 'consortium_zkp_verify_duration_seconds', { circuit: 'settlement-4', mode: 'batch' })).toBe(timings + 2);
    expect(await verifications('settlement-4', 'valid')).toBe(valid + 3);
    expect(recorded.spans.at(-1)).toMatchObject({ name: 'zkp.verify', ended: true, attributes: { 'zkp.circuit': 'settlement-4', 'zkp.proofs': 3, 'zkp.valid': true } });
  });

  it('takes its scalars from the injected randomness (zero bytes still give non-zero scalars)', async () => {
    const requested: number[] = [];
    const zeros = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null, randomBytes: (size) => (requested.push(size), new Uint8Array(size)) });
    try {
      const batch = [VALID_SIGNALS, VALID_SIGNALS, INVALID_SIGNALS].map((signals) => envelope(syntheticProof(), signals));
      const result = await zeros.verifyBatch(batch);
      expect(result.failures.map((failure) => failure.index)).toEqual([2]);
      expect(requested[0]).toBe(48);
    } finally {
      await zeros.close();
    }
  });

  it('accepts an empty batch', async () => {
    await expect(verifier.verifyBatch([])).resolves.toMatchObject({ valid: true, results: [], failures: [], groups: 0 });
  });

  it('refuses a batch over its limit', async () => {
    const small = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null, maxBatchProofs: 2 });
    const batch = [VALID_SIGNALS, VALID_SIGNALS, VALID_SIGNALS].map((signals) => envelope(syntheticProof(), signals));
    await expect(small.verifyBatch(batch)).rejects.toBeInstanceOf(BatchTooLargeError);
    await small.close();
  });
});

describe('keys and life cycle', () => {
  it('reports an unusable key as an error outcome, and prepareKey throws it', async () => {
    const broken = { ...syntheticKey(), vk_alpha_1: ['1', '3', '1'] };
    const lookup = { get: () => broken };
    const local = new Groth16Verifier(lookup, { metrics: null, security: null, tracer: null });
    try {
      const result = await local.verify(envelope(syntheticProof(), VALID_SIGNALS));
      expect(result.error).toBeInstanceOf(InvalidVerificationKeyError);
      expect(result.error?.peerFault).toBe(false);
      await expect(local.prepareKey(1, 'settlement-4')).rejects.toBeInstanceOf(InvalidVerificationKeyError);
      await expect(local.prepareKey(1, 'settlement-4')).rejects.toThrow(/not on the curve/);
    } finally {
      await local.close();
    }
  });

  it('prepareKey throws for an unknown key', async () => {
    await expect(verifier.prepareKey(7, 'settlement-4')).rejects.toBeInstanceOf(UnknownVerificationKeyError);
    await expect(verifier.prepareKey(1, 'settlement-4')).resolves.toBeUndefined();
  });

  it('close() waits for running calls, then refuses new ones', async () => {
    const local = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null });
    const running = local.verifyBatch(Array.from({ length: 40 }, () => envelope(syntheticProof(), VALID_SIGNALS)));
    const closed = local.close();
    await expect(running).resolves.toMatchObject({ valid: true });
    await closed;
    await expect(local.verify(envelope(syntheticProof(), VALID_SIGNALS))).rejects.toBeInstanceOf(VerifierClosedError);
    await expect(local.close()).resolves.toBeUndefined();
  });
});
