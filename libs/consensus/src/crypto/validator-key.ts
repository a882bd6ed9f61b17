import { fromHex, toHex } from './hash.js';
import { ed25519KeyPairFromSeed, type Ed25519KeyPair } from './ed25519.js';

/**
 * The validator key file: `{ "memberId": "...", "publicKey": "<64 hex>", "privateKey": "<64 hex seed>" }`.
 * The public key is stored too so a mix-up (a key file of another member, a truncated seed)
 * is caught on load rather than at the first rejected vote.
 */

export interface ValidatorKeyJson {
  readonly memberId: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

export class ValidatorKeyError extends Error {
  override readonly name = 'ValidatorKeyError';
}

export function validatorKeyToJson(memberId: string, keyPair: Ed25519KeyPair): ValidatorKeyJson {
  return { memberId, publicKey: toHex(keyPair.publicKey), privateKey: toHex(keyPair.privateKey) };
}

/** Parses a validator key file (object or JSON text); throws ValidatorKeyError saying what is wrong. */
export function validatorKeyFromJson(input: unknown): { readonly memberId: string; readonly keyPair: Ed25519KeyPair } {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new ValidatorKeyError('the validator key file is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null) throw new ValidatorKeyError('the validator key file must hold a JSON object');
  const { memberId, publicKey, privateKey } = value as Record<string, unknown>;
  if (typeof memberId !== 'string' || memberId === '') throw new ValidatorKeyError('validator key: memberId is missing');
  const seed = typeof privateKey === 'string' ? fromHex(privateKey, 32) : null;
  if (seed === null) throw new ValidatorKeyError('validator key: privateKey must be 64 hex characters (the ed25519 seed)');
  const keyPair = ed25519KeyPairFromSeed(seed);
  if (typeof publicKey !== 'string' || publicKey.toLowerCase() !== toHex(keyPair.publicKey)) {
    throw new ValidatorKeyError(`validator key of ${memberId}: publicKey does not belong to privateKey (a damaged or mixed-up key file)`);
  }
  return { memberId, keyPair };
}
