import { describe, expect, it } from 'vitest';
import { ED25519_VERIFIED_CACHE_ENTRIES, ed25519KeyPairFromSeed, Ed25519Signer, Ed25519Verifier } from '../../src/crypto/ed25519.js';

const keyPair = ed25519KeyPairFromSeed(new Uint8Array(32).fill(7));
const otherKeyPair = ed25519KeyPairFromSeed(new Uint8Array(32).fill(8));
const signer = new Ed25519Signer(keyPair);
const message = (i: number) => new TextEncoder().encode(`vote ${i}`);

describe('Ed25519Verifier', () => {
  it('remembers at most rememberedMax verifications however many it makes', () => {
    const verifier = new Ed25519Verifier({ rememberedMax: 64 });
    for (let i = 0; i < 200; i++) {
      expect(verifier.verify(keyPair.publicKey, message(i), signer.sign(message(i)))).toBe(true);
      expect(verifier.rememberedCount).toBe(Math.min(i + 1, 64));
    }
    // The evicted first one verifies again from scratch, and is remembered again within the bound.
    expect(verifier.verify(keyPair.publicKey, message(0), signer.sign(message(0)))).toBe(true);
    expect(verifier.rememberedCount).toBe(64);
  });

  it('keeps 16,384 by default', () => {
    expect(ED25519_VERIFIED_CACHE_ENTRIES).toBe(16_384);
    const verifier = new Ed25519Verifier();
    verifier.verify(keyPair.publicKey, message(1), signer.sign(message(1)));
    expect(verifier.rememberedCount).toBe(1);
  });

  it('remembers only successes, and a remembered one answers only for the same signature, key and message', () => {
    const verifier = new Ed25519Verifier({ rememberedMax: 8 });
    const signature = signer.sign(message(1));
    expect(verifier.verify(keyPair.publicKey, message(1), signature)).toBe(true);
    expect(verifier.verify(keyPair.publicKey, message(1), signature)).toBe(true);
    expect(verifier.rememberedCount).toBe(1);

    expect(verifier.verify(keyPair.publicKey, message(2), signature)).toBe(false);
    expect(verifier.verify(otherKeyPair.publicKey, message(1), signature)).toBe(false);
    const tampered = new Uint8Array(signature);
    tampered[10]! ^= 1;
    expect(verifier.verify(keyPair.publicKey, message(1), tampered)).toBe(false);
    // Bytes moved between message and signature do not alias a remembered triple.
    expect(verifier.verify(keyPair.publicKey, new Uint8Array([...message(1).subarray(1)]), signature)).toBe(false);
    expect(verifier.rememberedCount).toBe(1);
  });

  it('remembers nothing with rememberedMax 0, and still verifies', () => {
    const verifier = new Ed25519Verifier({ rememberedMax: 0 });
    expect(verifier.verify(keyPair.publicKey, message(3), signer.sign(message(3)))).toBe(true);
    expect(verifier.verify(keyPair.publicKey, message(4), signer.sign(message(3)))).toBe(false);
    expect(verifier.rememberedCount).toBe(0);
    expect(() => new Ed25519Verifier({ rememberedMax: -1 })).toThrow(/rememberedMax/);
  });
});
