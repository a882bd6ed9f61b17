import { describe, expect, it } from 'vitest';
import { checkEnvelope, parseCanonicalDecimal, parseProofPoints, parsePublicSignals } from '../../src/verifier/encoding.js';
import {
  CoordinateError,
  PointAtInfinityError,
  ProofFormatError,
  PublicSignalCountError,
  PublicSignalFormatError,
  PublicSignalRangeError,
  type MalformedProofError,
} from '../../src/verifier/errors.js';
import { G2_GEN, Q, R, syntheticProof } from '../support/verifier.js';

/** The error a parse throws, so a test can check its class, name and fields. */
function thrown(parse: () => unknown): MalformedProofError {
  try {
    parse();
  } catch (error) {
    return error as MalformedProofError;
  }
  throw new Error('expected the parse to throw');
}

describe('canonical decimal strings', () => {
  it.each(['0', '1', '42', R.toString(), (2n ** 256n - 1n).toString()])('accepts %s', (value) => {
    expect(parseCanonicalDecimal(value)).toBe(BigInt(value));
  });

  it.each([
    ['empty', ''],
    ['a leading zero', '007'],
    ['a sign', '-1'],
    ['a plus sign', '+1'],
    ['hex', '0x10'],
    ['an exponent', '1e3'],
    ['spaces', ' 1'],
    ['a fraction', '1.0'],
    ['79 digits', '1'.repeat(79)],
  ])('refuses %s', (_, value) => {
    expect(parseCanonicalDecimal(value)).toBeNull();
  });

  it.each([[1], [1n], [null], [undefined], [['1']]])('refuses the non-string %s', (value) => {
    expect(parseCanonicalDecimal(value)).toBeNull();
  });
});

describe('public signals', () => {
  it('parses field elements up to r - 1', () => {
    expect(parsePublicSignals(['0', '5', (R - 1n).toString()], 3)).toEqual([0n, 5n, R - 1n]);
  });

  it('refuses a count other than nPublic', () => {
    const error = thrown(() => parsePublicSignals(['1', '2'], 3));
    expect(error).toBeInstanceOf(PublicSignalCountError);
    expect(error).toMatchObject({ name: 'PublicSignalCountError', expected: 3, actual: 2, outcome: 'error' });
    expect(thrown(() => parsePublicSignals(['1', '2', '3', '4'], 3))).toMatchObject({ expected: 3, actual: 4 });
  });

  it('refuses a signal equal to r or above, naming its index', () => {
    expect(thrown(() => parsePublicSignals(['1', R.toString()], 2))).toMatchObject({ name: 'PublicSignalRangeError', index: 1 });
    expect(thrown(() => parsePublicSignals([(R + 1n).toString(), '1'], 2))).toBeInstanceOf(PublicSignalRangeError);
  });

  it('refuses a signal that is not a canonical decimal string', () => {
    expect(thrown(() => parsePublicSignals(['1', '0x2'], 2))).toMatchObject({ name: 'PublicSignalFormatError', index: 1 });
    expect(thrown(() => parsePublicSignals([1 as unknown as string], 1))).toBeInstanceOf(PublicSignalFormatError);
  });

  it('refuses a non-array', () => {
    expect(thrown(() => parsePublicSignals('1,2', 2))).toMatchObject({ name: 'ProofFormatError', field: 'publicSignals' });
  });
});

describe('the envelope', () => {
  it('accepts an epoch and a circuit name', () => {
    expect(() => checkEnvelope(0, 'settlement-4')).not.toThrow();
  });

  it.each([
    ['a negative epoch', -1, 'settlement-4', 'epoch'],
    ['a fractional epoch', 1.5, 'settlement-4', 'epoch'],
    ['a string epoch', '1', 'settlement-4', 'epoch'],
    ['an empty circuit', 1, '', 'circuit'],
    ['a long circuit', 1, 'x'.repeat(65), 'circuit'],
    ['a non-string circuit', 1, 4, 'circuit'],
  ])('refuses %s', (_, epoch, circuit, field) => {
    expect(thrown(() => checkEnvelope(epoch, circuit))).toMatchObject({ name: 'ProofFormatError', field });
  });
});

describe('proof points', () => {
  it('parses snarkjs JSON into affine coordinates', () => {
    const points = parseProofPoints(syntheticProof());
    expect(points.a).toEqual([1n, 2n]);
    expect(points.b[0]).toEqual([BigInt(G2_GEN[0]![0]!), BigInt(G2_GEN[0]![1]!)]);
  });

  it('refuses another protocol or curve', () => {
    expect(thrown(() => parseProofPoints({ ...syntheticProof(), protocol: 'plonk' }))).toMatchObject({ name: 'ProofFormatError', field: 'proof.protocol' });
    expect(thrown(() => parseProofPoints({ ...syntheticProof(), curve: 'bls12381' }))).toMatchObject({ field: 'proof.curve' });
    expect(thrown(() => parseProofPoints(null))).toMatchObject({ field: 'proof' });
  });

  it('refuses points of the wrong shape', () => {
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_a: ['1', '2'] })))).toMatchObject({ name: 'ProofFormatError', field: 'pi_a' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_c: 'x' })))).toMatchObject({ field: 'pi_c' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_b: [G2_GEN[0], G2_GEN[1]] })))).toMatchObject({ field: 'pi_b' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_b: [['1'], G2_GEN[1], ['1', '0']] })))).toMatchObject({ field: 'pi_b' });
  });

  it('refuses projective points (z other than 1), so one point has one encoding', () => {
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_a: ['1', '2', '2'] })))).toBeInstanceOf(ProofFormatError);
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_b: [G2_GEN[0], G2_GEN[1], ['1', '1']] })))).toBeInstanceOf(ProofFormatError);
  });

  it('refuses a coordinate that is not below q, or not decimal', () => {
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_a: [Q.toString(), '2', '1'] })))).toMatchObject({ name: 'CoordinateError', point: 'pi_a' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_c: ['1', (Q + 2n).toString(), '1'] })))).toMatchObject({ name: 'CoordinateError', point: 'pi_c' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_b: [['1', '0x2'], G2_GEN[1], ['1', '0']] })))).toBeInstanceOf(CoordinateError);
  });

  it('refuses the point at infinity', () => {
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_a: ['0', '0', '1'] })))).toMatchObject({ name: 'PointAtInfinityError', point: 'pi_a' });
    expect(thrown(() => parseProofPoints(syntheticProof({ pi_b: [['0', '0'], ['0', '0'], ['1', '0']] })))).toBeInstanceOf(PointAtInfinityError);
  });
});
