import { createHash, randomBytes } from 'node:crypto';
import { groth16DomainPower } from '@consortium/circuits';
import { readBinFile, readSection, type BinFile, type Sections } from '@iden3/binfileutils';
import { bigIntToLe, concat, leToBigInt, sameBytes, uint32Be, uint32Le } from './le-bytes.js';
import { readR1csMatrices, type Term } from './r1cs-matrices.js';
import type { SetupCurve } from './steps.js';

/**
 * A check that a proving key is exactly what snarkjs's `zKey.newZKey` makes from an r1cs and a
 * prepared powers-of-tau file (phase 2's first file), without making it again: every verifier of
 * a ceremony checks the lane's first file, and newZKey spends nearly all of its time on one small
 * multi-exponentiation per signal (9.5 s of a 16 s `ceremony verify` at 2^11).
 *
 * The sections that are copies or pure functions of the inputs are compared byte for byte (the
 * header, the coefficients, the H points, the circuit hash). The point sections are checked with
 * random linear combinations: a signal's A point is sum_c A[c][s] L_c (L the Lagrange points of
 * tau G1), so for random rho, sum_s rho_s A_s = sum_c (sum_s rho_s A[c][s]) L_c: one
 * multi-exponentiation over the file's points, one over the Lagrange points with scalars
 * computed in the field. Likewise B1 (tau G1), B2 (tau G2) and IC with C (beta tau, alpha tau,
 * tau). A file that differs passes only if rho is orthogonal to the difference: probability
 * 2^-128 with 128-bit rho drawn here, after the file was made. Every point must be a canonical
 * encoding of a point on the curve, and every B2 point in the subgroup of order r (one scalar
 * multiplication each, on every worker thread of the curve): G2 has small torsion (its cofactor
 * has the factor 10,069), which a random combination of two points may cancel one time in
 * 10,069; G1's cofactor is 1.
 */

/** What a proving key is refused for: the section, in words. */
export class NewZKeyError extends Error {
  override readonly name = 'NewZKeyError';
}

interface Field {
  readonly n8: number;
}

interface Group {
  readonly F: Field;
  readonly g: Uint8Array;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
  eq(a: Uint8Array, b: Uint8Array): boolean;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  sub(a: Uint8Array, b: Uint8Array): Uint8Array;
  isValid(a: Uint8Array): boolean;
  isZero(a: Uint8Array): boolean;
  toRprLEM(buffer: Uint8Array, offset: number, point: Uint8Array): void;
  batchLEMtoU(buffer: Uint8Array): Promise<Uint8Array>;
  batchToAffine(buffer: Uint8Array): Promise<Uint8Array>;
}

/** ffjavascript's worker threads: a task is a list of commands on the wasm memory of one thread. */
interface ThreadManager {
  readonly concurrency: number;
  queueAction(task: readonly object[]): Promise<Uint8Array[]>;
}

interface Curve {
  readonly q: bigint;
  readonly r: bigint;
  readonly G1: Group;
  readonly G2: Group;
  readonly tm: ThreadManager;
}

/** snarkjs's zkey sections (Groth16). */
const ZKEY = { header: 1, groth: 2, ic: 3, coefficients: 4, a: 5, b1: 6, b2: 7, c: 8, h: 9, contributions: 10 } as const;
/** The ptau sections newZKey reads: phase 1's tau G1 powers and first points, the prepared Lagrange points. */
const PTAU = { tauG1: 2, alpha1: 4, beta1: 5, beta2: 6, lagrangeTauG1: 12, lagrangeTauG2: 13, lagrangeAlphaTauG1: 14, lagrangeBetaTauG1: 15 } as const;
const RANDOM_SCALAR_BYTES = 16;
const FR_BYTES = 32;

/** Throws NewZKeyError naming the first section of `zkeyFile` that is not newZKey(r1csFile, preparedPtau). */
export async function verifyNewZKey(setupCurve: SetupCurve, r1csFile: string, preparedPtau: string, zkeyFile: string): Promise<void> {
  const curve = setupCurve as unknown as Curve;
  const { G1, G2, q, r } = curve;
  const sG1 = G1.F.n8 * 2;
  const sG2 = G2.F.n8 * 2;
  const refuse = (what: string) => new NewZKeyError(`${zkeyFile}: ${what}, not what newZKey makes of ${r1csFile} and ${preparedPtau}`);

  const r1cs = await readR1csMatrices(r1csFile);
  if (r1cs.prime !== r) throw new NewZKeyError(`${r1csFile}: the r1cs is over another field than the powers of tau's curve`);
  const domainSize = 2 ** groth16DomainPower(r1cs.constraints, r1cs.publics);
  let ptau: { fd: BinFile; sections: Sections } | undefined;
  let zkey: { fd: BinFile; sections: Sections } | undefined;
  try {
    ptau = await readBinFile(preparedPtau, 'ptau', 1);
    zkey = await readBinFile(zkeyFile, 'zkey', 1);
    const fromPtau = (section: number, offset?: number, length?: number) => readSection(ptau!.fd, ptau!.sections, section, offset, length);
    const fromZkey = (section: number) => readSection(zkey!.fd, zkey!.sections, section);
    for (let id = 1; id <= 10; id++) if (zkey.sections[id]?.length !== 1) throw refuse(`section ${id} is missing or repeated`);
    if (Object.keys(zkey.sections).length !== 10) throw refuse('it has sections newZKey does not write');
    if (ptau.sections[PTAU.lagrangeTauG1] === undefined) throw new NewZKeyError(`${preparedPtau}: the powers of tau are not prepared for phase 2`);

    // Header and Groth16 header: the protocol, the fields, the sizes, alpha, beta (phase 1's), gamma and delta (the generators).
    if (!sameBytes(await fromZkey(ZKEY.header), uint32Le(1))) throw refuse('the header is not Groth16\'s');
    const generator = (group: Group) => {
      const bytes = new Uint8Array(group.F.n8 * 2);
      group.toRprLEM(bytes, 0, group.g);
      return bytes;
    };
    const alpha1 = await fromPtau(PTAU.alpha1, 0, sG1);
    const beta1 = await fromPtau(PTAU.beta1, 0, sG1);
    const beta2 = await fromPtau(PTAU.beta2, 0, sG2);
    const grothHeader = concat([
      uint32Le(32), bigIntToLe(q, 32), uint32Le(FR_BYTES), bigIntToLe(r, FR_BYTES),
      uint32Le(r1cs.vars), uint32Le(r1cs.publics), uint32Le(domainSize),
      alpha1, beta1, beta2, generator(G2), generator(G1), generator(G2),
    ]);
    if (!sameBytes(await fromZkey(ZKEY.groth), grothHeader)) throw refuse('its Groth16 header (sizes, alpha, beta, gamma, delta) differs');

    // Coefficients: A's and B's in r1cs order, then one for each public signal, each times R^2 (R = 2^256 mod r), as snarkjs writes them.
    const montgomery2 = (((1n << 256n) % r) ** 2n) % r;
    const entries = r1cs.order.map(({ matrix, term }) => ({ matrix, constraint: term.constraint, signal: term.signal, coefficient: term.coefficient }));
    for (let s = 0; s <= r1cs.publics; s++) entries.push({ matrix: 0, constraint: r1cs.constraints + s, signal: s, coefficient: 1n });
    const coefficients = concat([uint32Le(entries.length), ...entries.flatMap((entry) => [uint32Le(entry.matrix), uint32Le(entry.constraint), uint32Le(entry.signal), bigIntToLe((entry.coefficient * montgomery2) % r, FR_BYTES)])]);
    if (!sameBytes(await fromZkey(ZKEY.coefficients), coefficients)) throw refuse('its coefficients section differs');

    // H: the odd Lagrange points of tau G1 on the domain twice the size.
    const doubled = await fromPtau(PTAU.lagrangeTauG1, (domainSize * 2 - 1) * sG1, domainSize * 2 * sG1);
    const h = new Uint8Array(domainSize * sG1);
    for (let i = 0; i < domainSize; i++) h.set(doubled.subarray((i * 2 + 1) * sG1, (i * 2 + 2) * sG1), i * sG1);
    if (!sameBytes(await fromZkey(ZKEY.h), h)) throw refuse('its H points differ');

    // The point sections: sizes, canonical points on the curve, B2 in the subgroup.
    const sections = {
      ic: await fromZkey(ZKEY.ic),
      a: await fromZkey(ZKEY.a),
      b1: await fromZkey(ZKEY.b1),
      b2: await fromZkey(ZKEY.b2),
      c: await fromZkey(ZKEY.c),
    };
    const expectedSizes = { ic: (r1cs.publics + 1) * sG1, a: r1cs.vars * sG1, b1: r1cs.vars * sG1, b2: r1cs.vars * sG2, c: (r1cs.vars - r1cs.publics - 1) * sG1 };
    for (const name of Object.keys(sections) as (keyof typeof sections)[]) {
      if (sections[name].byteLength !== expectedSizes[name]) throw refuse(`its ${name.toUpperCase()} section holds ${sections[name].byteLength} bytes, not ${expectedSizes[name]}`);
      const group = name === 'b2' ? G2 : G1;
      checkPoints(group, q, sections[name], (what) => refuse(`${name.toUpperCase()} point ${what}`));
    }
    const outside = await firstOutsideSubgroup(curve, sections.b2);
    if (outside !== null) throw refuse(`B2 point ${outside} is not in the subgroup of order r`);

    // The random combinations.
    const rho = Array.from({ length: r1cs.vars }, () => leToBigInt(randomBytes(RANDOM_SCALAR_BYTES), 0, RANDOM_SCALAR_BYTES));
    const combine = (terms: readonly Term[], extraPublic: boolean) => {
      const scalars = new Array<bigint>(domainSize).fill(0n);
      for (const term of terms) scalars[term.constraint] = (scalars[term.constraint]! + rho[term.signal]! * term.coefficient) % r;
      if (extraPublic) for (let s = 0; s <= r1cs.publics; s++) scalars[r1cs.constraints + s] = (scalars[r1cs.constraints + s]! + rho[s]!) % r;
      return scalarBytes(scalars);
    };
    const alpha = combine(r1cs.a, true);
    const beta = combine(r1cs.b, false);
    const gamma = combine(r1cs.c, false);
    const rhoBytes = scalarBytes(rho);
    const lagrange = async (section: number, pointBytes: number) => fromPtau(section, (domainSize - 1) * pointBytes, domainSize * pointBytes);
    const tauG1 = await lagrange(PTAU.lagrangeTauG1, sG1);
    const tauG2 = await lagrange(PTAU.lagrangeTauG2, sG2);
    const alphaTauG1 = await lagrange(PTAU.lagrangeAlphaTauG1, sG1);
    const betaTauG1 = await lagrange(PTAU.lagrangeBetaTauG1, sG1);

    if (!G1.eq(await G1.multiExpAffine(sections.a, rhoBytes), await G1.multiExpAffine(tauG1, alpha))) throw refuse('its A points differ');
    if (!G1.eq(await G1.multiExpAffine(sections.b1, rhoBytes), await G1.multiExpAffine(tauG1, beta))) throw refuse('its B1 points differ');
    if (!G2.eq(await G2.multiExpAffine(sections.b2, rhoBytes), await G2.multiExpAffine(tauG2, beta))) throw refuse('its B2 points differ');
    const icAndC = G1.add(await G1.multiExpAffine(sections.ic, rhoBytes.subarray(0, (r1cs.publics + 1) * FR_BYTES)), await G1.multiExpAffine(sections.c, rhoBytes.subarray((r1cs.publics + 1) * FR_BYTES)));
    const expected = G1.add(G1.add(await G1.multiExpAffine(betaTauG1, alpha), await G1.multiExpAffine(alphaTauG1, beta)), await G1.multiExpAffine(tauG1, gamma));
    if (!G1.eq(icAndC, expected)) throw refuse('its IC or C points differ');

    // The circuit hash (section 10, then no contribution): blake2b-512 of the points as snarkjs hashes them.
    const hashed = createHash('blake2b512');
    for (const point of [alpha1, beta1]) hashed.update(await G1.batchLEMtoU(point));
    hashed.update(await G2.batchLEMtoU(beta2));
    hashed.update(await G2.batchLEMtoU(generator(G2)));
    hashed.update(await G1.batchLEMtoU(generator(G1)));
    hashed.update(await G2.batchLEMtoU(generator(G2)));
    const hashSection = async (points: Uint8Array, group: Group, count: number) => {
      hashed.update(uint32Be(count));
      hashed.update(await group.batchLEMtoU(points));
    };
    await hashSection(sections.ic, G1, r1cs.publics + 1);
    hashed.update(uint32Be(domainSize - 1));
    hashed.update(await G1.batchLEMtoU(await hPointsForHash(G1, await fromPtau(PTAU.tauG1, 0, (domainSize * 2 - 1) * sG1), domainSize)));
    await hashSection(sections.c, G1, r1cs.vars - r1cs.publics - 1);
    await hashSection(sections.a, G1, r1cs.vars);
    await hashSection(sections.b1, G1, r1cs.vars);
    await hashSection(sections.b2, G2, r1cs.vars);
    if (!sameBytes(await fromZkey(ZKEY.contributions), concat([hashed.digest(), uint32Le(0)]))) throw refuse('its circuit hash or contributions section differs');
  } finally {
    await ptau?.fd.close();
    await zkey?.fd.close();
  }
}

function scalarBytes(scalars: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(scalars.length * FR_BYTES);
  scalars.forEach((scalar, i) => out.set(bigIntToLe(scalar, FR_BYTES), i * FR_BYTES));
  return out;
}

/** Every point of a section: a canonical encoding (coordinates below q, Montgomery form) on the curve (or the point at infinity). */
function checkPoints(group: Group, q: bigint, points: Uint8Array, refuse: (what: string) => Error): void {
  const size = group.F.n8 * 2;
  for (let at = 0; at < points.byteLength; at += size) {
    const point = points.subarray(at, at + size);
    for (let coordinate = 0; coordinate < size; coordinate += 32) {
      if (leToBigInt(point, coordinate, 32) >= q) throw refuse(`${at / size} is not a canonical encoding`);
    }
    if (!group.isZero(point) && !group.isValid(point)) throw refuse(`${at / size} is not on the curve`);
  }
}

/**
 * The index of the first G2 point (affine, on the curve) that r times does not take to infinity,
 * or null: one scalar multiplication per point other than infinity (whose affine encoding, 0 and
 * 0, the multiplication does not know), on every worker thread of the curve.
 */
async function firstOutsideSubgroup(curve: Curve, points: Uint8Array): Promise<number | null> {
  const { G2, tm, r } = curve;
  const size = G2.F.n8 * 2;
  const projective = G2.F.n8 * 3;
  const indices = [...Array(points.byteLength / size).keys()].filter((i) => !G2.isZero(points.subarray(i * size, (i + 1) * size)));
  const count = indices.length;
  const packed = new Uint8Array(count * size);
  indices.forEach((index, i) => packed.set(points.subarray(index * size, (index + 1) * size), i * size));
  const order = bigIntToLe(r, FR_BYTES);
  const perTask = Math.ceil(count / tm.concurrency);
  const tasks: Promise<{ first: number; results: Uint8Array }>[] = [];
  for (let first = 0; first < count; first += perTask) {
    const n = Math.min(perTask, count - first);
    const task: object[] = [
      { cmd: 'ALLOCSET', var: 0, buff: packed.slice(first * size, (first + n) * size) },
      { cmd: 'ALLOCSET', var: 1, buff: order },
      { cmd: 'ALLOC', var: 2, len: n * projective },
    ];
    for (let i = 0; i < n; i++) {
      task.push({ cmd: 'CALL', fnName: 'g2m_timesScalarAffine', params: [{ var: 0, offset: i * size }, { var: 1 }, { val: FR_BYTES }, { var: 2, offset: i * projective }] });
    }
    task.push({ cmd: 'GET', out: 0, var: 2, len: n * projective });
    tasks.push(tm.queueAction(task).then(([results]) => ({ first, results: results! })));
  }
  for (const { first, results } of await Promise.all(tasks)) {
    for (let i = 0; i < results.byteLength / projective; i++) {
      if (!G2.isZero(results.subarray(i * projective, (i + 1) * projective))) return indices[first + i]!;
    }
  }
  return null;
}

/** The points newZKey hashes for H: tau^(i+n) - tau^i in G1, i < n - 1, affine. */
async function hPointsForHash(G1: Group, powers: Uint8Array, domainSize: number): Promise<Uint8Array> {
  const sG1 = G1.F.n8 * 2;
  const sGmid = G1.F.n8 * 3;
  const projective = new Uint8Array((domainSize - 1) * sGmid);
  for (let i = 0; i < domainSize - 1; i++) {
    projective.set(G1.sub(powers.subarray((i + domainSize) * sG1, (i + domainSize + 1) * sG1), powers.subarray(i * sG1, (i + 1) * sG1)), i * sGmid);
  }
  return G1.batchToAffine(projective);
}
