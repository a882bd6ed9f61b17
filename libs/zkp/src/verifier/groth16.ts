import { affinePart, g1Bytes, g2Bytes, MAX_PAIRS_PER_LOOP, type Bn254, type F12Bytes, type G1Bytes, type G2Bytes, type MillerPair, type PreparedG2 } from './bn254.js';
import { parseProofPoints, parsePublicSignals, SCALAR_FIELD_MODULUS } from './encoding.js';
import { InvalidVerificationKeyError, PointNotInSubgroupError, PointNotOnCurveError } from './errors.js';
import { parseVerificationKey } from './keys.js';

/**
 * The Groth16 equations over prepared keys and checked proofs (Groth 2016, eprint 2016/260):
 *
 *   e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta),   L = IC_0 + sum_j pub_j * IC_j
 *
 * A single proof is checked as e(-A, B) * e(L, gamma) * e(C, delta) == e(-alpha, beta), the
 * right side computed once per key. k proofs of one key are checked together with random
 * 128-bit r_i (Bellare, Garay, Rabin's small-exponent batch test) as one product of k + 3
 * pairings that must be 1:
 *
 *   prod_i e(r_i * A_i, B_i) * e(-(sum r_i) * alpha, beta) * e(-sum r_i * L_i, gamma) * e(-sum r_i * C_i, delta)
 *
 * where sum r_i * L_i = (sum r_i) * IC_0 + sum_j (sum_i r_i * pub_ij) * IC_j is one
 * multi-exponentiation over the key's IC points, whatever k is. If any proof is invalid the
 * product is 1 with probability at most 2^-128.
 */

/** Proofs per multi-Miller loop in a batch: about 15-30 ms of work between two event-loop turns. */
export const BATCH_CHUNK_PROOFS = 16;
/** Points per multi-exponentiation of the batch's C_i. */
const C_MULTIEXP_CHUNK = 256;

export interface PreparedKey {
  readonly nPublic: number;
  readonly negAlpha: G1Bytes;
  readonly beta: PreparedG2;
  readonly gamma: PreparedG2;
  readonly delta: PreparedG2;
  /** IC_0 .. IC_n, affine, 64 bytes each: the bases of L's multi-exponentiation. */
  readonly icBases: Uint8Array;
  /** e(-alpha, beta), the right side of a single check. */
  readonly target: F12Bytes;
}

/** A proof whose encoding, ranges, curve and subgroup membership have been checked. */
export interface CheckedProof {
  readonly a: G1Bytes;
  readonly b: G2Bytes;
  readonly c: G1Bytes;
  readonly signals: readonly bigint[];
}

/** Parses, checks and prepares a key once: its G2 points' line coefficients and e(-alpha, beta). */
export function prepareKey(engine: Bn254, vkey: unknown): PreparedKey {
  let parsed;
  try {
    parsed = parseVerificationKey(vkey);
  } catch (error) {
    throw new InvalidVerificationKeyError((error as Error).message);
  }
  const alpha = g1Bytes(parsed.alpha);
  const ic = parsed.ic.map(g1Bytes);
  const [beta, gamma, delta] = [parsed.beta, parsed.gamma, parsed.delta].map(g2Bytes) as [G2Bytes, G2Bytes, G2Bytes];
  if (![alpha, ...ic].every((point) => engine.isOnCurveG1(point))) throw new InvalidVerificationKeyError('a G1 point of the key (alpha or IC) is not on the curve');
  for (const [name, point] of [['beta', beta], ['gamma', gamma], ['delta', delta]] as const) {
    if (!engine.isOnCurveG2(point) || !engine.isInSubgroupG2(point)) throw new InvalidVerificationKeyError(`the key's ${name} is not a G2 point`);
  }
  const icBases = new Uint8Array(ic.length * 64);
  ic.forEach((point, index) => icBases.set(affinePart(point), index * 64));
  const negAlpha = engine.g1Neg(alpha);
  const preparedBeta = engine.prepareG2(beta);
  return {
    nPublic: parsed.nPublic,
    negAlpha,
    beta: preparedBeta,
    gamma: engine.prepareG2(gamma),
    delta: engine.prepareG2(delta),
    icBases,
    target: engine.finalExponentiation(engine.millerProduct([{ g1: negAlpha, prepared: preparedBeta }], null)),
  };
}

/** Every check short of the pairing: signals against the key, points parsed, on their curves, pi_b in G2. Throws a MalformedProofError. */
export function checkProof(engine: Bn254, key: PreparedKey, proof: { readonly proof: unknown; readonly publicSignals: unknown }): CheckedProof {
  const signals = parsePublicSignals(proof.publicSignals, key.nPublic);
  const points = parseProofPoints(proof.proof);
  const a = g1Bytes(points.a);
  if (!engine.isOnCurveG1(a)) throw new PointNotOnCurveError('pi_a');
  const c = g1Bytes(points.c);
  if (!engine.isOnCurveG1(c)) throw new PointNotOnCurveError('pi_c');
  const b = g2Bytes(points.b);
  if (!engine.isOnCurveG2(b)) throw new PointNotOnCurveError('pi_b');
  if (!engine.isInSubgroupG2(b)) throw new PointNotInSubgroupError('pi_b');
  return { a, b, c, signals };
}

/** L = IC_0 * s_0 + sum_j IC_j * s_j over the key's bases. */
function linearCombination(engine: Bn254, key: PreparedKey, scalars: readonly bigint[]): G1Bytes {
  return engine.g1MultiExp(key.icBases, scalars, 32);
}

/** The exact check of one proof: three pairs, one final exponentiation, no randomness. */
export function verifyOne(engine: Bn254, key: PreparedKey, proof: CheckedProof): boolean {
  const l = linearCombination(engine, key, [1n, ...proof.signals]);
  const product = engine.millerProduct(
    [
      { g1: engine.g1Neg(proof.a), g2: proof.b },
      { g1: l, prepared: key.gamma },
      { g1: proof.c, prepared: key.delta },
    ],
    null,
  );
  return engine.finalExponentiationEquals(product, key.target);
}

/**
 * The random-linear-combination check of several proofs of one key (`scalars[i]` in
 * [1, 2^128) for proofs[i]). `pause` runs between chunks so a large batch does not hold the
 * event loop for its whole duration.
 */
export async function verifyCombination(engine: Bn254, key: PreparedKey, proofs: readonly CheckedProof[], scalars: readonly bigint[], pause: () => Promise<void>): Promise<boolean> {
  if (proofs.length !== scalars.length || proofs.length === 0) throw new Error(`verifyCombination needs one scalar per proof (${proofs.length} proofs, ${scalars.length} scalars)`);
  if (BATCH_CHUNK_PROOFS + 3 > MAX_PAIRS_PER_LOOP) throw new Error('BATCH_CHUNK_PROOFS + 3 must fit in one multi-Miller loop');
  // sum r_i, sum_i r_i * pub_ij (mod r) and sum r_i * C_i: the key's three pairs.
  let sumR = 0n;
  const signalSums = new Array<bigint>(key.nPublic).fill(0n);
  for (let i = 0; i < proofs.length; i++) {
    const r = scalars[i]!;
    sumR += r;
    const signals = proofs[i]!.signals;
    for (let j = 0; j < key.nPublic; j++) signalSums[j] = (signalSums[j]! + r * signals[j]!) % SCALAR_FIELD_MODULUS;
  }
  sumR %= SCALAR_FIELD_MODULUS;
  let sumC: G1Bytes | null = null;
  for (let start = 0; start < proofs.length; start += C_MULTIEXP_CHUNK) {
    const chunk = proofs.slice(start, start + C_MULTIEXP_CHUNK);
    const bases = new Uint8Array(chunk.length * 64);
    chunk.forEach((proof, index) => bases.set(affinePart(proof.c), index * 64));
    const partial = engine.g1MultiExp(bases, scalars.slice(start, start + chunk.length), 16);
    sumC = sumC === null ? partial : engine.g1Add(sumC, partial);
  }
  const sumL = linearCombination(engine, key, [sumR, ...signalSums]);
  const keyPairs: MillerPair[] = [
    { g1: engine.g1Times(key.negAlpha, sumR, 32), prepared: key.beta },
    { g1: engine.g1Neg(sumL), prepared: key.gamma },
    { g1: engine.g1Neg(sumC!), prepared: key.delta },
  ];
  let product: F12Bytes | null = null;
  for (let start = 0; start < proofs.length; start += BATCH_CHUNK_PROOFS) {
    const end = Math.min(start + BATCH_CHUNK_PROOFS, proofs.length);
    const pairs: MillerPair[] = [];
    for (let i = start; i < end; i++) pairs.push({ g1: engine.g1Times(proofs[i]!.a, scalars[i]!, 16), g2: proofs[i]!.b });
    // The key's pairs ride along with the last chunk: one set of shared squarings fewer.
    if (end === proofs.length) pairs.push(...keyPairs);
    product = engine.millerProduct(pairs, product);
    if (end < proofs.length) await pause();
  }
  return engine.finalExponentiationEquals(product!, null);
}
