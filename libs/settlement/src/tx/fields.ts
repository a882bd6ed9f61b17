import { FIELD_MODULUS } from '@consortium/zkp';
import { InvalidTxFieldError } from '../errors.js';

/** Checked readers of decoded CBOR values: each names the field at fault in its error. */

export type CborMap = Record<string, unknown>;

const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function fail(field: string, problem: string): never {
  throw new InvalidTxFieldError(field, problem);
}

/** A map with exactly these keys: a missing key or an extra one is refused, naming it. */
export function exactMap(value: unknown, field: string, keys: readonly string[]): CborMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail(field, 'must be a map');
  const map = value as CborMap;
  for (const key of keys) if (!(key in map)) fail(`${field}.${key}`, 'is missing');
  for (const key of Object.keys(map)) if (!keys.includes(key)) fail(`${field}.${key}`, 'is not a field of this transaction');
  return map;
}

export function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(field, `must be an integer from ${min} to ${max}`);
  return value;
}

/** A bigint in [min, maxExclusive). */
export function bigint(value: unknown, field: string, min: bigint, maxExclusive: bigint): bigint {
  if (typeof value !== 'bigint') fail(field, 'must be an integer (a CBOR bignum)');
  if (value < min || value >= maxExclusive) fail(field, `must lie in ${min} .. ${maxExclusive - 1n}`);
  return value;
}

export function fieldElement(value: unknown, field: string): bigint {
  return bigint(value, field, 0n, FIELD_MODULUS);
}

export function bytes(value: unknown, field: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(field, 'must be a byte string');
  if (value.byteLength !== length) fail(field, `must be ${length} bytes, got ${value.byteLength}`);
  return value;
}

export function text(value: unknown, field: string, minLength: number, maxLength: number): string {
  if (typeof value !== 'string' || value.length < minLength || value.length > maxLength) fail(field, `must be a string of ${minLength} to ${maxLength} characters`);
  return value;
}

export function array(value: unknown, field: string, minLength: number, maxLength: number): unknown[] {
  if (!Array.isArray(value)) fail(field, 'must be an array');
  if (value.length < minLength || value.length > maxLength) fail(field, `must hold ${minLength} to ${maxLength} entries, has ${value.length}`);
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function memberId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !MEMBER_ID.test(value)) fail(field, "must be a member id (letters, digits and '-', at most 32)");
  return value;
}

export function period(value: unknown, field: string): string {
  if (typeof value !== 'string' || !PERIOD.test(value)) fail(field, 'must be a period "YYYY-MM"');
  return value;
}

export function decimalString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength || !DECIMAL.test(value)) fail(field, `must be a canonical decimal string of at most ${maxLength} digits`);
  return value;
}

/** Strictly increasing under `key`: one form per set, no duplicates. */
export function strictlyAscending<T>(items: readonly T[], key: (item: T) => string, field: string): void {
  for (let i = 1; i < items.length; i++) if (!(key(items[i - 1]!) < key(items[i]!))) fail(`${field}[${i}]`, 'entries must be in strictly ascending order (no duplicates)');
}
