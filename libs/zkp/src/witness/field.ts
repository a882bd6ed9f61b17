import { randomBytes } from 'node:crypto';

/** The BN254 scalar field: every circuit signal is an element of it. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export class WitnessInputError extends Error {
  override readonly name = 'WitnessInputError';
}

/** A uniformly random salt below 2^248 (< the field modulus), for batches and rate tables. */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(31).toString('hex')}`);
}

const TADIG = /^[A-Z]{3}[A-Z0-9]{2}$/;

/** A TADIG code as a field element: its five ASCII bytes, big-endian. */
export function tadigToField(tadig: string): bigint {
  if (!TADIG.test(tadig)) throw new WitnessInputError(`"${tadig}" is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. FRAF1)`);
  let value = 0n;
  for (const char of tadig) value = (value << 8n) | BigInt(char.charCodeAt(0));
  return value;
}

/** "2026-11" as the integer 202611. */
export function periodToField(period: string): bigint {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (match === null) throw new WitnessInputError(`period "${period}" must be YYYY-MM`);
  return BigInt(`${match[1]}${match[2]}`);
}

/** Checks 0 <= value < 2^bits, naming what was out of range. */
export function assertBits(value: bigint, bits: number, what: string): void {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new WitnessInputError(`${what} = ${value} is outside 0 .. 2^${bits} - 1`);
}

export function assertFieldElement(value: bigint, what: string): void {
  if (value < 0n || value >= FIELD_MODULUS) throw new WitnessInputError(`${what} is not a field element (0 <= x < the BN254 scalar field modulus)`);
}
