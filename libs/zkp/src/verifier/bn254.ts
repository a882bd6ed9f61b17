import * as snarkjs from 'snarkjs';
import { BASE_FIELD_MODULUS, type Fp2, type G1Affine, type G2Affine } from './encoding.js';

/**
 * BN254 arithmetic for verification, on ffjavascript's WebAssembly code (wasmcurves) called
 * directly: snarkjs's `groth16.verify` re-parses the key and prepares every G2 point on each
 * call, and ffjavascript's `pairingEq` runs one Miller loop per pair. Here the key's G2 points
 * are prepared once, and the Miller loops of all pairs of one check share their F12 squarings
 * (a multi-Miller loop), followed by one final exponentiation.
 *
 * The engine owns a single-threaded curve instance (no worker threads, not the process-wide
 * `globalThis.curve_bn128` snarkjs shares): nothing to leak, and terminating it cannot break
 * another user of snarkjs. Every method is synchronous and leaves nothing in wasm memory that
 * a later call relies on, so calls from interleaved async verifications cannot clobber each
 * other: state between calls lives in the returned JavaScript byte arrays.
 */

/** Points cross the API as Montgomery-form little-endian bytes, Jacobian (z = 1 when loaded from affine). */
export type G1Bytes = Uint8Array;
export type G2Bytes = Uint8Array;
/** A G2 point's Miller-loop line coefficients (wasmcurves's `prepareG2` output). */
export type PreparedG2 = Uint8Array;
/** An element of F12 (a Miller-loop value or a pairing result). */
export type F12Bytes = Uint8Array;

const FP_BYTES = 32;
const FP2_BYTES = 2 * FP_BYTES;
export const G1_BYTES = 3 * FP_BYTES;
export const G2_BYTES = 3 * FP2_BYTES;
export const F12_BYTES = 12 * FP_BYTES;
/** Bytes of one line coefficient set (ell_0, ell_vw, ell_vv) in a prepared G2 point. */
const ATE_COEF_BYTES = 3 * FP2_BYTES;

/** Most pairs one multi-Miller loop takes: bounds the wasm memory the engine reserves. */
export const MAX_PAIRS_PER_LOOP = 24;
/** Most points of one multi-exponentiation (a key's IC has nPublic + 1 <= 1025). */
export const MAX_MULTIEXP_POINTS = 1025;
/** Free wasm memory the multi-exponentiation's bucket table needs (2^7 Jacobian points at most for 1025 points). */
const MULTIEXP_TABLE_HEADROOM = 64 * 1024;

const Q = BASE_FIELD_MODULUS;
const MONTGOMERY_R = (1n << 256n) % Q;

/** The standard BN254 generators (EIP-197), to check the engine's point layout against wasmcurves's. */
export const G1_GENERATOR: G1Affine = [1n, 2n];
export const G2_GENERATOR: G2Affine = [
  [10857046999023057135944570762232829481370756359578518086990519993285655852781n, 11559732032986387107991004021392285783925812861821192530917403151452391805634n],
  [8495653923123431417604973247489272438418190587263600148770280649306958101930n, 4082367875863433681332203403145435568316851327593401208105741076214120093531n],
];

/** BN254's optimal ate loop count 6x + 2, least significant bit first (as wasmcurves stores it). */
const ATE_LOOP_BITS = bitsOf(29793968203157093288n);
/** The BN seed x, for the G2 subgroup test. */
const BN_SEED = 4965661367192848881n;

function bitsOf(value: bigint): number[] {
  const bits: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 1n) bits.push(Number(rest & 1n));
  return bits;
}

// --- Fp2 in plain bigints, only to derive the psi constants once ---
function fp2Mul(a: Fp2, b: Fp2): Fp2 {
  return [(((a[0] * b[0] - a[1] * b[1]) % Q) + Q) % Q, (a[0] * b[1] + a[1] * b[0]) % Q];
}
function fp2Pow(base: Fp2, exponent: bigint): Fp2 {
  let result: Fp2 = [1n, 0n];
  let square = base;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if ((rest & 1n) === 1n) result = fp2Mul(result, square);
    square = fp2Mul(square, square);
  }
  return result;
}
/** xi = 9 + u, the twist's non-residue; psi(x, y) = (conj(x) * xi^((q-1)/3), conj(y) * xi^((q-1)/2)). */
const XI: Fp2 = [9n, 1n];
const PSI_X = fp2Pow(XI, (Q - 1n) / 3n);
const PSI_Y = fp2Pow(XI, (Q - 1n) / 2n);

function writeLimbs(view: DataView, offset: number, value: bigint, bytes: number): void {
  let rest = value;
  for (let i = 0; i < bytes; i += 8) {
    view.setBigUint64(offset + i, BigInt.asUintN(64, rest), true);
    rest >>= 64n;
  }
}

function writeFp(view: DataView, offset: number, value: bigint): void {
  writeLimbs(view, offset, (value * MONTGOMERY_R) % Q, FP_BYTES);
}

/** A G1 point (x, y) < q as Jacobian Montgomery bytes with z = 1. */
export function g1Bytes(point: G1Affine): G1Bytes {
  const bytes = new Uint8Array(G1_BYTES);
  const view = new DataView(bytes.buffer);
  writeFp(view, 0, point[0]);
  writeFp(view, FP_BYTES, point[1]);
  writeFp(view, 2 * FP_BYTES, 1n);
  return bytes;
}

/** A G2 point as Jacobian Montgomery bytes with z = 1. */
export function g2Bytes(point: G2Affine): G2Bytes {
  const bytes = new Uint8Array(G2_BYTES);
  const view = new DataView(bytes.buffer);
  writeFp(view, 0, point[0][0]);
  writeFp(view, FP_BYTES, point[0][1]);
  writeFp(view, 2 * FP_BYTES, point[1][0]);
  writeFp(view, 3 * FP_BYTES, point[1][1]);
  writeFp(view, 4 * FP_BYTES, 1n);
  writeFp(view, 5 * FP_BYTES, 0n);
  return bytes;
}

/** The affine part (x, y) of a Jacobian point whose z is 1, as multi-exponentiation bases take it. */
export function affinePart(point: G1Bytes): Uint8Array {
  return point.subarray(0, 2 * FP_BYTES);
}

// --- the parts of ffjavascript's curve object the engine uses (it ships no types) ---
type WasmFunction = (...args: number[]) => number;
/** The wasm memory (lib.dom's WebAssembly.Memory is not in this project's libs). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface ThreadManager {
  readonly memory: WasmMemory;
  readonly instance: { readonly exports: Record<string, unknown> };
  /** Addresses of the generators (Jacobian, Montgomery form) in wasm memory. */
  readonly pG1gen: number;
  readonly pG2gen: number;
  alloc(length: number): number;
}
interface FfjavascriptCurve {
  readonly tm: ThreadManager;
  readonly prePSize: number;
  readonly preQSize: number;
  terminate(): Promise<void>;
}

/**
 * The curve object's internals the engine reads, checked by shape: ffjavascript ships no types
 * and these are not its public API (its version is pinned exactly; test/unit/snarkjs-internals
 * names each internal). Throws naming the first one missing.
 */
export function asFfjavascriptCurve(curve: snarkjs.Curve): FfjavascriptCurve {
  const candidate = curve as Partial<FfjavascriptCurve>;
  const tm = candidate.tm;
  if (
    tm === undefined ||
    !(tm.memory?.buffer instanceof ArrayBuffer) ||
    typeof tm.pG1gen !== 'number' ||
    typeof tm.pG2gen !== 'number' ||
    typeof candidate.prePSize !== 'number' ||
    typeof candidate.preQSize !== 'number'
  ) {
    throw new Error('ffjavascript bn128 curve does not have the expected shape (tm.memory, tm.pG1gen, tm.pG2gen, prePSize, preQSize): ffjavascript changed, the verifier must be adapted');
  }
  return candidate as FfjavascriptCurve;
}

/** The wasmcurves functions the engine calls (a test checks each exists in the pinned ffjavascript). */
export const WASM_EXPORTS_USED = [
  'g1m_inCurve',
  'g1m_isZero',
  'g1m_add',
  'g1m_neg',
  'g1m_timesScalar',
  'g1m_multiexpAffine',
  'g2m_inCurve',
  'g2m_add',
  'g2m_double',
  'g2m_eq',
  'g2m_timesScalar',
  'f2m_mul',
  'f2m_mul1',
  'f2m_conjugate',
  'ftm_one',
  'ftm_square',
  'ftm_mul',
  'ftm_eq',
  'bn128_prepareG1',
  'bn128_prepareG2',
  'bn128_millerLoop',
  'bn128__mulBy024',
  'bn128_finalExponentiation',
] as const;
type ExportName = (typeof WASM_EXPORTS_USED)[number];

export interface MillerPair {
  /** The G1 point (Jacobian). The point at infinity contributes 1 and is skipped. */
  readonly g1: G1Bytes;
  /** The G2 point, prepared once (a key's point) ... */
  readonly prepared?: PreparedG2;
  /** ... or as a point prepared on the fly (a proof's pi_b). */
  readonly g2?: G2Bytes;
}

export class Bn254 {
  private readonly wasm: Record<ExportName, WasmFunction>;
  private readonly memory: WasmMemory;
  private readonly preQSize: number;
  // Reserved once; every method writes its inputs here and copies its result out.
  private readonly g1Slots: number[];
  private readonly g2Slots: number[];
  private readonly prePSlots: number[];
  private readonly preQSlots: number[];
  private readonly fSlot: number;
  private readonly f2Slot: number;
  private readonly vwSlot: number;
  private readonly vvSlot: number;
  private readonly scalarSlot: number;
  private readonly psiXSlot: number;
  private readonly psiYSlot: number;
  private readonly seedSlot: number;
  private readonly basesSlot: number;
  private readonly scalarsSlot: number;
  private closed = false;

  static async create(): Promise<Bn254> {
    const curve = asFfjavascriptCurve(await snarkjs.curves.getCurveFromName('bn128', { singleThread: true }));
    const engine = new Bn254(curve);
    try {
      engine.assertEncodingMatchesWasm();
      engine.assertMillerLoopMatchesWasm();
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  /**
   * g1Bytes and g2Bytes write Montgomery-form little-endian limbs, Jacobian with z = 1, as
   * wasmcurves stores points: check that the generators written that way are wasmcurves's own
   * (at tm.pG1gen and tm.pG2gen), so a changed point layout cannot go unnoticed.
   */
  private assertEncodingMatchesWasm(): void {
    const { tm } = this.curve;
    const same = (ours: Uint8Array, at: number) => ours.every((byte, index) => byte === this.bytes()[at + index]);
    if (!same(g1Bytes(G1_GENERATOR), tm.pG1gen)) throw new Error('the G1 generator at tm.pG1gen is not (1, 2) in Montgomery Jacobian form: ffjavascript changed its point layout, the verifier must be adapted');
    if (!same(g2Bytes(G2_GENERATOR), tm.pG2gen)) throw new Error('the G2 generator at tm.pG2gen differs from the standard BN254 G2 generator in Montgomery Jacobian form: ffjavascript changed its point layout, the verifier must be adapted');
  }

  /**
   * millerProduct re-implements wasmcurves's Miller loop (its coefficient layout, loop bits and
   * closing steps) to share squarings across pairs: check once that it gives wasmcurves's own
   * bn128_millerLoop value for the generators, so a changed ffjavascript cannot go unnoticed.
   */
  private assertMillerLoopMatchesWasm(): void {
    const { tm } = this.curve;
    const g1 = this.get(tm.pG1gen, G1_BYTES);
    const g2 = this.get(tm.pG2gen, G2_BYTES);
    const ours = this.millerProduct([{ g1, g2 }], null);
    const [preP, preQ] = [this.prePSlots[0]!, this.preQSlots[0]!];
    this.wasm.bn128_prepareG1(this.put(this.g1Slots[0]!, g1), preP);
    this.wasm.bn128_prepareG2(this.put(this.g2Slots[0]!, g2), preQ);
    this.wasm.bn128_millerLoop(preP, preQ, this.f2Slot);
    const theirs = this.get(this.f2Slot, F12_BYTES);
    if (!ours.every((byte, index) => byte === theirs[index])) throw new Error('the multi-Miller loop disagrees with wasmcurves bn128_millerLoop: ffjavascript changed, the verifier must be adapted');
  }

  private constructor(private readonly curve: FfjavascriptCurve) {
    const { tm } = curve;
    const wasm: Partial<Record<ExportName, WasmFunction>> = {};
    for (const name of WASM_EXPORTS_USED) {
      const fn = tm.instance.exports[name];
      if (typeof fn !== 'function') throw new Error(`the bn128 wasm module has no export ${name}`);
      wasm[name] = fn as WasmFunction;
    }
    this.wasm = wasm as Record<ExportName, WasmFunction>;
    this.memory = tm.memory;
    this.preQSize = curve.preQSize;
    const reserve = (bytes: number) => {
      const pointer = tm.alloc(bytes);
      if (pointer + bytes > this.memory.buffer.byteLength) throw new Error('the bn128 wasm memory is too small for the verifier');
      return pointer;
    };
    const slots = (count: number, bytes: number) => Array.from({ length: count }, () => reserve(bytes));
    this.g1Slots = slots(4, G1_BYTES);
    this.g2Slots = slots(5, G2_BYTES);
    this.prePSlots = slots(MAX_PAIRS_PER_LOOP, curve.prePSize);
    this.preQSlots = slots(MAX_PAIRS_PER_LOOP, curve.preQSize);
    this.fSlot = reserve(F12_BYTES);
    this.f2Slot = reserve(F12_BYTES);
    this.vwSlot = reserve(FP2_BYTES);
    this.vvSlot = reserve(FP2_BYTES);
    this.scalarSlot = reserve(32);
    this.psiXSlot = reserve(FP2_BYTES);
    this.psiYSlot = reserve(FP2_BYTES);
    this.seedSlot = reserve(8);
    this.basesSlot = reserve(MAX_MULTIEXP_POINTS * 2 * FP_BYTES);
    this.scalarsSlot = reserve(MAX_MULTIEXP_POINTS * 32);
    // The multi-exponentiation takes its bucket table from the free memory above the reservations.
    if (reserve(0) + MULTIEXP_TABLE_HEADROOM > this.memory.buffer.byteLength) throw new Error('the bn128 wasm memory is too small for the verifier');
    const view = this.view();
    writeFp(view, this.psiXSlot, PSI_X[0]);
    writeFp(view, this.psiXSlot + FP_BYTES, PSI_X[1]);
    writeFp(view, this.psiYSlot, PSI_Y[0]);
    writeFp(view, this.psiYSlot + FP_BYTES, PSI_Y[1]);
    writeLimbs(view, this.seedSlot, BN_SEED, 8);
  }

  private view(): DataView {
    return new DataView(this.memory.buffer);
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  private put(slot: number, bytes: Uint8Array): number {
    this.bytes().set(bytes, slot);
    return slot;
  }

  private get(slot: number, length: number): Uint8Array {
    return this.bytes().slice(slot, slot + length);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the bn254 engine is closed');
  }

  isOnCurveG1(point: G1Bytes): boolean {
    this.assertOpen();
    return this.wasm.g1m_inCurve(this.put(this.g1Slots[0]!, point)) !== 0;
  }

  isOnCurveG2(point: G2Bytes): boolean {
    this.assertOpen();
    return this.wasm.g2m_inCurve(this.put(this.g2Slots[0]!, point)) !== 0;
  }

  isZeroG1(point: G1Bytes): boolean {
    this.assertOpen();
    return this.wasm.g1m_isZero(this.put(this.g1Slots[0]!, point)) !== 0;
  }

  /** psi(P) in place, P Jacobian: (conj(X) * psiX, conj(Y) * psiY, conj(Z)). */
  private psi(slot: number): void {
    const { f2m_conjugate, f2m_mul } = this.wasm;
    const x = slot;
    const y = slot + FP2_BYTES;
    const z = slot + 2 * FP2_BYTES;
    f2m_conjugate(x, x);
    f2m_mul(x, this.psiXSlot, x);
    f2m_conjugate(y, y);
    f2m_mul(y, this.psiYSlot, y);
    f2m_conjugate(z, z);
  }

  /**
   * Whether an on-curve G2 point is in the order-r subgroup, by the endomorphism test of
   * Dai, Lin, Zhao and Zhou (eprint 2022/348) for BN curves: [x+1]P + psi([x]P) + psi^2([x]P)
   * == psi^3([2x]P), one 63-bit scalar multiplication instead of a 254-bit one by r. It
   * applies because BN254's x is neither 4 mod 13 nor 92 mod 97.
   */
  isInSubgroupG2(point: G2Bytes): boolean {
    this.assertOpen();
    const { g2m_timesScalar, g2m_add, g2m_double, g2m_eq } = this.wasm;
    const [p, xp, lhs, term, rhs] = this.g2Slots as [number, number, number, number, number];
    this.put(p, point);
    g2m_timesScalar(p, this.seedSlot, 8, xp);
    g2m_add(xp, p, lhs);
    this.bytes().copyWithin(term, xp, xp + G2_BYTES);
    this.psi(term);
    g2m_add(lhs, term, lhs);
    this.psi(term);
    g2m_add(lhs, term, lhs);
    g2m_double(xp, rhs);
    this.psi(rhs);
    this.psi(rhs);
    this.psi(rhs);
    return g2m_eq(lhs, rhs) !== 0;
  }

  prepareG2(point: G2Bytes): PreparedG2 {
    this.assertOpen();
    const slot = this.preQSlots[0]!;
    this.wasm.bn128_prepareG2(this.put(this.g2Slots[0]!, point), slot);
    return this.get(slot, this.preQSize);
  }

  /** scalar * P for a scalar of `scalarBytes` bytes (16 for the batch's 128-bit randomisers). */
  g1Times(point: G1Bytes, scalar: bigint, scalarBytes: 16 | 32): G1Bytes {
    this.assertOpen();
    const [p, out] = this.g1Slots as [number, number];
    this.put(p, point);
    writeLimbs(this.view(), this.scalarSlot, scalar, scalarBytes);
    this.wasm.g1m_timesScalar(p, this.scalarSlot, scalarBytes, out);
    return this.get(out, G1_BYTES);
  }

  g1Add(a: G1Bytes, b: G1Bytes): G1Bytes {
    this.assertOpen();
    const [pa, pb, out] = this.g1Slots as [number, number, number];
    this.put(pa, a);
    this.put(pb, b);
    this.wasm.g1m_add(pa, pb, out);
    return this.get(out, G1_BYTES);
  }

  g1Neg(a: G1Bytes): G1Bytes {
    this.assertOpen();
    const [pa, out] = this.g1Slots as [number, number];
    this.put(pa, a);
    this.wasm.g1m_neg(pa, out);
    return this.get(out, G1_BYTES);
  }

  /**
   * sum scalars[i] * bases[i] (Pippenger, in wasm). `bases` holds affine points (x, y), 64
   * bytes each (see affinePart); scalars are below 2^(8 * scalarBytes).
   */
  g1MultiExp(bases: Uint8Array, scalars: readonly bigint[], scalarBytes: 16 | 32): G1Bytes {
    this.assertOpen();
    const n = scalars.length;
    if (n > MAX_MULTIEXP_POINTS || bases.length !== n * 2 * FP_BYTES) throw new Error(`multi-exponentiation of ${n} points with ${bases.length} bytes of bases`);
    this.put(this.basesSlot, bases);
    const view = this.view();
    for (let i = 0; i < n; i++) writeLimbs(view, this.scalarsSlot + i * scalarBytes, scalars[i]!, scalarBytes);
    const out = this.g1Slots[0]!;
    this.wasm.g1m_multiexpAffine(this.basesSlot, this.scalarsSlot, scalarBytes, n, out);
    return this.get(out, G1_BYTES);
  }

  /**
   * The product of the Miller loops of `pairs` (times `accumulator` when given), as one
   * multi-Miller loop: the F12 squaring of each step is shared by all pairs. The result is
   * not final-exponentiated, so products of several calls can be combined first.
   */
  millerProduct(pairs: readonly MillerPair[], accumulator: F12Bytes | null): F12Bytes {
    this.assertOpen();
    if (pairs.length > MAX_PAIRS_PER_LOOP) throw new Error(`a multi-Miller loop takes at most ${MAX_PAIRS_PER_LOOP} pairs, got ${pairs.length}`);
    const { bn128_prepareG1, bn128_prepareG2, g1m_isZero, f2m_mul1, bn128__mulBy024, ftm_one, ftm_square, ftm_mul } = this.wasm;
    const g1Slot = this.g1Slots[0]!;
    const g2Slot = this.g2Slots[0]!;
    const px: number[] = [];
    const coefficients: number[] = [];
    for (const pair of pairs) {
      this.put(g1Slot, pair.g1);
      if (g1m_isZero(g1Slot) !== 0) continue;
      const index = px.length;
      const preP = this.prePSlots[index]!;
      const preQ = this.preQSlots[index]!;
      bn128_prepareG1(g1Slot, preP);
      if (pair.prepared !== undefined) this.put(preQ, pair.prepared);
      else if (pair.g2 !== undefined) bn128_prepareG2(this.put(g2Slot, pair.g2), preQ);
      else throw new Error('a Miller pair needs a G2 point');
      px.push(preP);
      // The coefficients follow the prepared point's copy of Q (three Fp2 elements).
      coefficients.push(preQ + 3 * FP2_BYTES);
    }
    const f = this.fSlot;
    const vw = this.vwSlot;
    const vv = this.vvSlot;
    const count = px.length;
    const step = (j: number) => {
      const coefficient = coefficients[j]!;
      const x = px[j]!;
      f2m_mul1(coefficient + FP2_BYTES, x + FP_BYTES, vw);
      f2m_mul1(coefficient + 2 * FP2_BYTES, x, vv);
      bn128__mulBy024(coefficient, vw, vv, f);
      coefficients[j] = coefficient + ATE_COEF_BYTES;
    };
    ftm_one(f);
    for (let i = ATE_LOOP_BITS.length - 2; i >= 0; i--) {
      ftm_square(f, f);
      for (let j = 0; j < count; j++) step(j);
      if (ATE_LOOP_BITS[i] === 1) for (let j = 0; j < count; j++) step(j);
    }
    // The two lines through the Frobenius images of Q close the optimal ate loop.
    for (let j = 0; j < count; j++) {
      step(j);
      step(j);
    }
    if (accumulator !== null) ftm_mul(f, this.put(this.f2Slot, accumulator), f);
    return this.get(f, F12_BYTES);
  }

  finalExponentiation(value: F12Bytes): F12Bytes {
    this.assertOpen();
    this.wasm.bn128_finalExponentiation(this.put(this.fSlot, value), this.f2Slot);
    return this.get(this.f2Slot, F12_BYTES);
  }

  /** Whether the final exponentiation of `value` equals `target` (1 when null). */
  finalExponentiationEquals(value: F12Bytes, target: F12Bytes | null): boolean {
    this.assertOpen();
    this.wasm.bn128_finalExponentiation(this.put(this.fSlot, value), this.fSlot);
    if (target === null) this.wasm.ftm_one(this.f2Slot);
    else this.put(this.f2Slot, target);
    return this.wasm.ftm_eq(this.fSlot, this.f2Slot) !== 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.curve.terminate();
  }
}
