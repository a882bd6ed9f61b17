import { fromHex, toHex } from '@consortium/consensus';
import { fail } from './fields.js';
import { bodyFromCbor } from './codec.js';
import type { SettlementTxBody } from './types.js';

/**
 * JSON forms for the API: bigints as decimal strings, byte strings as lowercase hex. JSON has no
 * bigint and no bytes, so a body from JSON is converted by field name (the fields below are the
 * only bigint and byte fields of any body) and then checked exactly as a decoded transaction is.
 */

/** Fields holding a bigint, wherever they appear in a body (`publicInputs` holds only bigints). */
const BIGINT_FIELDS = new Set(['firstId', 'batchCommitment', 'commitment', 'agreedTotal']);
const BIGINT_MAPS = new Set(['publicInputs']);
const BYTES_FIELDS = new Set(['recordsDigest', 'statementId', 'zkey', 'wasm', 'vkey']);
/** Fields holding an array of byte strings (a key epoch's verification key files). */
const BYTES_ARRAYS = new Set(['verificationKeys']);
const DECIMAL = /^-?(0|[1-9][0-9]{0,99})$/;
/** A JSON body is small; deeper nesting than a body's is refused before any recursion. */
const MAX_DEPTH = 6;

function bigintFromJson(value: unknown, field: string): unknown {
  if (typeof value !== 'string' || !DECIMAL.test(value)) fail(field, 'must be an integer as a decimal string');
  return BigInt(value);
}

function bytesFromJson(value: unknown, field: string): unknown {
  if (typeof value !== 'string' || value.length % 2 !== 0) fail(field, 'must be bytes as hex');
  const bytes = fromHex(value, value.length / 2);
  if (bytes === null) fail(field, 'must be bytes as hex');
  return bytes;
}

function convert(value: unknown, field: string, depth: number): unknown {
  if (depth > MAX_DEPTH) fail(field, 'is nested too deeply');
  if (Array.isArray(value)) return value.map((item, i) => convert(item, `${field}[${i}]`, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  // No prototype: JSON.parse makes "__proto__" an own key, which assigned into a plain object
  // would become the prototype, and its fields would pass for the body's (exactMap reads with `in`).
  const converted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const path = `${field}.${key}`;
    if (BIGINT_FIELDS.has(key)) converted[key] = bigintFromJson(item, path);
    else if (BYTES_FIELDS.has(key)) converted[key] = bytesFromJson(item, path);
    else if (BYTES_ARRAYS.has(key) && Array.isArray(item)) converted[key] = item.map((entry, i) => bytesFromJson(entry, `${path}[${i}]`));
    else if (BIGINT_MAPS.has(key) && typeof item === 'object' && item !== null && !Array.isArray(item)) {
      converted[key] = Object.fromEntries(Object.entries(item as Record<string, unknown>).map(([name, v]) => [name, bigintFromJson(v, `${path}.${name}`)]));
    } else converted[key] = convert(item, path, depth + 1);
  }
  return converted;
}

/** A transaction body from its JSON form; throws InvalidTxFieldError (or UnknownTxTypeError) naming the field. */
export function txBodyFromJson(json: unknown): SettlementTxBody {
  return bodyFromCbor(convert(json, 'body', 0));
}

/** Any settlement value (a body, a record, a read's view) in its JSON form. */
export function settlementToJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(settlementToJson);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, settlementToJson(item)]));
  return value;
}
