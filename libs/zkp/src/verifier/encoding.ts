import {
  CoordinateError,
  PointAtInfinityError,
  ProofFormatError,
  PublicSignalCountError,
  PublicSignalFormatError,
  PublicSignalRangeError,
  type ProofPoint,
} from './errors.js';

/**
 * Pure checks of a proof's JSON before any curve arithmetic: shapes, canonical decimal strings,
 * field ranges. Each failure is its own error class naming the field. One encoding per value
 * (no leading zeros, no sign, affine points with z = 1): one proof has one string.
 *
 * That does NOT make a statement's proof unique. Groth16 proofs are malleable: anyone holding a
 * valid proof can make other valid proofs of the same statement without the witness, e.g.
 * (A, B, C) -> (r A, r^-1 B, C), or (A, B + s delta, C + s A). Nothing may identify a statement,
 * deduplicate or index by proof bytes or their hash: use the epoch, circuit and public signals.
 */

/** BN254 base field modulus q: proof point coordinates live below it. */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** BN254 scalar field modulus r: public signals (and the group order). */
export const SCALAR_FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Longest circuit name accepted in an envelope (catalogue names are like "settlement-256"). */
export const CIRCUIT_NAME_MAX_LENGTH = 64;
/** Most public signals any key may declare; a bound for the loops over them. */
export const PUBLIC_SIGNALS_MAX = 1024;

/** 0, or digits without a leading zero, at most 78 of them (2^256 has 78 digits). */
const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]{0,77})$/;

export type G1Affine = readonly [x: bigint, y: bigint];
/** Fp2 element c0 + c1 * u. */
export type Fp2 = readonly [c0: bigint, c1: bigint];
export type G2Affine = readonly [x: Fp2, y: Fp2];

export interface ParsedProofPoints {
  readonly a: G1Affine;
  readonly b: G2Affine;
  readonly c: G1Affine;
}

/** A canonical decimal string as a bigint, or null. */
export function parseCanonicalDecimal(value: unknown): bigint | null {
  if (typeof value !== 'string' || !CANONICAL_DECIMAL.test(value)) return null;
  return BigInt(value);
}

export function checkEnvelope(epoch: unknown, circuit: unknown): void {
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) throw new ProofFormatError('epoch', 'must be a non-negative integer');
  if (typeof circuit !== 'string' || circuit.length === 0 || circuit.length > CIRCUIT_NAME_MAX_LENGTH) {
    throw new ProofFormatError('circuit', `must be a name of 1 to ${CIRCUIT_NAME_MAX_LENGTH} characters`);
  }
}

/** Public signals as field elements; the count must be the key's nPublic. */
export function parsePublicSignals(signals: unknown, nPublic: number): bigint[] {
  if (!Array.isArray(signals)) throw new ProofFormatError('publicSignals', 'must be an array of decimal strings');
  if (signals.length !== nPublic) throw new PublicSignalCountError(nPublic, signals.length);
  const values: bigint[] = [];
  for (let index = 0; index < signals.length; index++) {
    const value = parseCanonicalDecimal(signals[index]);
    if (value === null) throw new PublicSignalFormatError(index);
    if (value >= SCALAR_FIELD_MODULUS) throw new PublicSignalRangeError(index);
    values.push(value);
  }
  return values;
}

function coordinate(value: unknown, point: ProofPoint, where: string): bigint {
  const parsed = parseCanonicalDecimal(value);
  if (parsed === null) throw new CoordinateError(point, `${where} is not a canonical decimal string`);
  if (parsed >= BASE_FIELD_MODULUS) throw new CoordinateError(point, `${where} is not below the base field modulus q`);
  return parsed;
}

function g1(value: unknown, point: ProofPoint): G1Affine {
  if (!Array.isArray(value) || value.length !== 3) throw new ProofFormatError(point, 'must be [x, y, "1"]');
  if (value[2] !== '1') throw new ProofFormatError(point, 'must be affine: z must be "1"');
  const x = coordinate(value[0], point, 'x');
  const y = coordinate(value[1], point, 'y');
  if (x === 0n && y === 0n) throw new PointAtInfinityError(point);
  return [x, y];
}

function fp2(value: unknown, point: ProofPoint, where: string): Fp2 {
  if (!Array.isArray(value) || value.length !== 2) throw new ProofFormatError(point, `${where} must be a pair of decimal strings`);
  return [coordinate(value[0], point, `${where}.c0`), coordinate(value[1], point, `${where}.c1`)];
}

function g2(value: unknown, point: ProofPoint): G2Affine {
  if (!Array.isArray(value) || value.length !== 3) throw new ProofFormatError(point, 'must be [[x0, x1], [y0, y1], ["1", "0"]]');
  const z: unknown = value[2];
  if (!Array.isArray(z) || z.length !== 2 || z[0] !== '1' || z[1] !== '0') throw new ProofFormatError(point, 'must be affine: z must be ["1", "0"]');
  const x = fp2(value[0], point, 'x');
  const y = fp2(value[1], point, 'y');
  if (x[0] === 0n && x[1] === 0n && y[0] === 0n && y[1] === 0n) throw new PointAtInfinityError(point);
  return [x, y];
}

/** The three points of a snarkjs Groth16 proof as affine coordinates (range-checked, not yet curve-checked). */
export function parseProofPoints(proof: unknown): ParsedProofPoints {
  if (typeof proof !== 'object' || proof === null) throw new ProofFormatError('proof', 'must be an object');
  const fields = proof as Record<string, unknown>;
  if (fields.protocol !== 'groth16') throw new ProofFormatError('proof.protocol', 'must be "groth16"');
  if (fields.curve !== 'bn128') throw new ProofFormatError('proof.curve', 'must be "bn128"');
  return { a: g1(fields.pi_a, 'pi_a'), b: g2(fields.pi_b, 'pi_b'), c: g1(fields.pi_c, 'pi_c') };
}
