import type { VerificationKey } from '../groth16-json.js';
import { BASE_FIELD_MODULUS, checkEnvelope, parseCanonicalDecimal, PUBLIC_SIGNALS_MAX, type Fp2, type G1Affine, type G2Affine } from './encoding.js';
import { UncontributedVerificationKeyError, VerificationKeyError } from './errors.js';

/**
 * Where the verifier finds the verification key of a proof's (epoch, circuit). The verifier
 * prepares a key once per key object it is given (the object is the cache key), so a lookup
 * should return the same object for the same key: VerificationKeys does.
 */
export interface VerificationKeyLookup {
  get(epoch: number, circuit: string): VerificationKey | null;
}

/** Most keys one registry holds (epochs kept x circuits per epoch). */
export const VERIFICATION_KEYS_MAX = 256;

/** A verification key's points as affine coordinates, after the structural checks. */
export interface ParsedVerificationKey {
  readonly nPublic: number;
  readonly alpha: G1Affine;
  readonly beta: G2Affine;
  readonly gamma: G2Affine;
  readonly delta: G2Affine;
  readonly ic: readonly G1Affine[];
}

function keyCoordinate(value: unknown, where: string): bigint {
  const parsed = parseCanonicalDecimal(value);
  if (parsed === null || parsed >= BASE_FIELD_MODULUS) throw new VerificationKeyError(`${where} is not a canonical decimal below the base field modulus`);
  return parsed;
}

function keyG1(value: unknown, where: string): G1Affine {
  if (!Array.isArray(value) || value.length !== 3 || value[2] !== '1') throw new VerificationKeyError(`${where} must be an affine G1 point [x, y, "1"]`);
  return [keyCoordinate(value[0], `${where}.x`), keyCoordinate(value[1], `${where}.y`)];
}

function keyFp2(value: unknown, where: string): Fp2 {
  if (!Array.isArray(value) || value.length !== 2) throw new VerificationKeyError(`${where} must be a pair of decimal strings`);
  return [keyCoordinate(value[0], `${where}.c0`), keyCoordinate(value[1], `${where}.c1`)];
}

function keyG2(value: unknown, where: string): G2Affine {
  const z: unknown = Array.isArray(value) ? value[2] : undefined;
  if (!Array.isArray(value) || value.length !== 3 || !Array.isArray(z) || z[0] !== '1' || z[1] !== '0') {
    throw new VerificationKeyError(`${where} must be an affine G2 point [[x0, x1], [y0, y1], ["1", "0"]]`);
  }
  return [keyFp2(value[0], `${where}.x`), keyFp2(value[1], `${where}.y`)];
}

/**
 * Whether phase 2 of the trusted setup had a contribution. snarkjs starts phase 2 with
 * delta = gamma (both the G2 generator) and every contribution multiplies delta by a secret:
 * a key whose delta still equals gamma lets anyone who reads it forge proofs. The one place
 * this is decided: the verifier's key registry, the artifacts loader and the ceremony all call
 * it (through parseVerificationKey). Points are compared as parsed coordinates, so two
 * encodings of one point cannot pass for two points.
 */
export function hasPhase2Contribution(key: Pick<ParsedVerificationKey, 'gamma' | 'delta'>): boolean {
  const [gamma, delta] = [key.gamma, key.delta];
  return !(gamma[0][0] === delta[0][0] && gamma[0][1] === delta[0][1] && gamma[1][0] === delta[1][0] && gamma[1][1] === delta[1][1]);
}

/**
 * The structural checks of a snarkjs Groth16 verification key (shape, protocol, curve, nPublic
 * against IC, coordinate ranges, a phase-2 contribution). Curve membership is checked when the
 * verifier prepares the key.
 */
export function parseVerificationKey(vkey: unknown): ParsedVerificationKey {
  if (typeof vkey !== 'object' || vkey === null) throw new VerificationKeyError('a verification key must be an object');
  const fields = vkey as Record<string, unknown>;
  if (fields.protocol !== 'groth16' || fields.curve !== 'bn128') throw new VerificationKeyError('not a Groth16 bn128 verification key');
  const nPublic = fields.nPublic;
  if (typeof nPublic !== 'number' || !Number.isSafeInteger(nPublic) || nPublic < 0 || nPublic > PUBLIC_SIGNALS_MAX) {
    throw new VerificationKeyError(`nPublic must be an integer from 0 to ${PUBLIC_SIGNALS_MAX}`);
  }
  if (!Array.isArray(fields.IC) || fields.IC.length !== nPublic + 1) throw new VerificationKeyError(`IC must hold nPublic + 1 = ${nPublic + 1} points`);
  const gamma = keyG2(fields.vk_gamma_2, 'vk_gamma_2');
  const delta = keyG2(fields.vk_delta_2, 'vk_delta_2');
  if (!hasPhase2Contribution({ gamma, delta })) throw new UncontributedVerificationKeyError();
  return {
    nPublic,
    alpha: keyG1(fields.vk_alpha_1, 'vk_alpha_1'),
    beta: keyG2(fields.vk_beta_2, 'vk_beta_2'),
    gamma,
    delta,
    ic: fields.IC.map((point: unknown, index) => keyG1(point, `IC[${index}]`)),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The verification keys a node accepts proofs for, by (epoch, circuit): filled from the keys
 * genesis pins (libs/zkp artifacts loader), one epoch per key rotation. Keys are checked when
 * added and stored as frozen copies, so the verifier's per-key preparation stays valid.
 */
export class VerificationKeys implements VerificationKeyLookup {
  private readonly keys = new Map<string, VerificationKey>();

  private static id(epoch: number, circuit: string): string {
    return `${epoch}/${circuit}`;
  }

  /** Adds a key; adding the same key again is a no-op, a different key for a taken (epoch, circuit) is refused. */
  add(epoch: number, circuit: string, vkey: VerificationKey): void {
    try {
      checkEnvelope(epoch, circuit);
    } catch (error) {
      throw new VerificationKeyError(`cannot register a key for epoch ${String(epoch)}, circuit ${JSON.stringify(circuit)}: ${(error as Error).message}`);
    }
    parseVerificationKey(vkey);
    const id = VerificationKeys.id(epoch, circuit);
    const existing = this.keys.get(id);
    if (existing !== undefined) {
      if (JSON.stringify(existing) === JSON.stringify(vkey)) return;
      throw new VerificationKeyError(`epoch ${epoch} already has a different key for circuit ${circuit}`);
    }
    if (this.keys.size >= VERIFICATION_KEYS_MAX) throw new VerificationKeyError(`the registry holds ${VERIFICATION_KEYS_MAX} keys already; remove old epochs first`);
    this.keys.set(id, deepFreeze(structuredClone(vkey)));
  }

  get(epoch: number, circuit: string): VerificationKey | null {
    return this.keys.get(VerificationKeys.id(epoch, circuit)) ?? null;
  }

  has(epoch: number, circuit: string): boolean {
    return this.keys.has(VerificationKeys.id(epoch, circuit));
  }

  /** Forgets every key of an epoch (after a key rotation has settled); returns how many went. */
  removeEpoch(epoch: number): number {
    let removed = 0;
    for (const id of [...this.keys.keys()]) {
      if (id.startsWith(`${epoch}/`)) {
        this.keys.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  get size(): number {
    return this.keys.size;
  }
}
