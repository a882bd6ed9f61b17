import { describe, expect, it } from 'vitest';
import { VerificationKeyError } from '../../src/verifier/errors.js';
import { parseVerificationKey, VerificationKeys, VERIFICATION_KEYS_MAX } from '../../src/verifier/keys.js';
import { G2_GEN, Q, syntheticKey } from '../support/verifier.js';

describe('parseVerificationKey', () => {
  it('parses a snarkjs key', () => {
    const parsed = parseVerificationKey(syntheticKey(3));
    expect(parsed.nPublic).toBe(3);
    expect(parsed.ic).toHaveLength(4);
    expect(parsed.alpha).toEqual([1n, 2n]);
  });

  it.each([
    ['another protocol', { protocol: 'plonk' }],
    ['another curve', { curve: 'bls12381' }],
    ['nPublic and IC disagreeing', { nPublic: 3 }],
    ['a negative nPublic', { nPublic: -1 }],
    ['a coordinate >= q', { vk_alpha_1: [Q.toString(), '2', '1'] }],
    ['a projective point', { vk_alpha_1: ['1', '2', '3'] }],
    ['a malformed G2 point', { vk_beta_2: [G2_GEN[0], G2_GEN[1]] }],
    ['gamma = delta (no phase-2 contribution)', { vk_delta_2: G2_GEN }],
  ])('refuses %s', (_, change) => {
    expect(() => parseVerificationKey({ ...syntheticKey(), ...change })).toThrow(VerificationKeyError);
  });
});

describe('VerificationKeys', () => {
  it('finds keys by epoch and circuit', () => {
    const keys = new VerificationKeys();
    keys.add(1, 'settlement-4', syntheticKey());
    keys.add(2, 'settlement-4', syntheticKey(3));
    expect(keys.get(1, 'settlement-4')?.nPublic).toBe(2);
    expect(keys.get(2, 'settlement-4')?.nPublic).toBe(3);
    expect(keys.get(3, 'settlement-4')).toBeNull();
    expect(keys.get(1, 'settlement-64')).toBeNull();
    expect(keys.has(1, 'settlement-4')).toBe(true);
    expect(keys.size).toBe(2);
  });

  it('returns the same frozen copy every time, unaffected by later changes to the caller object', () => {
    const keys = new VerificationKeys();
    const vkey = syntheticKey();
    keys.add(1, 'settlement-4', vkey);
    vkey.nPublic = 7;
    const stored = keys.get(1, 'settlement-4');
    expect(stored).toBe(keys.get(1, 'settlement-4'));
    expect(stored?.nPublic).toBe(2);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored?.IC[0])).toBe(true);
  });

  it('accepts the same key twice and refuses a different one for a taken slot', () => {
    const keys = new VerificationKeys();
    keys.add(1, 'settlement-4', syntheticKey());
    expect(() => keys.add(1, 'settlement-4', syntheticKey())).not.toThrow();
    expect(() => keys.add(1, 'settlement-4', syntheticKey(3))).toThrow(/already has a different key/);
  });

  it('refuses bad keys and bad slots', () => {
    const keys = new VerificationKeys();
    expect(() => keys.add(1, 'settlement-4', { ...syntheticKey(), nPublic: 5 })).toThrow(VerificationKeyError);
    expect(() => keys.add(-1, 'settlement-4', syntheticKey())).toThrow(VerificationKeyError);
    expect(() => keys.add(1, '', syntheticKey())).toThrow(VerificationKeyError);
    expect(keys.size).toBe(0);
  });

  it('removes an epoch', () => {
    const keys = new VerificationKeys();
    keys.add(1, 'settlement-4', syntheticKey());
    keys.add(1, 'settlement-16', syntheticKey());
    keys.add(11, 'settlement-4', syntheticKey());
    expect(keys.removeEpoch(1)).toBe(2);
    expect(keys.get(11, 'settlement-4')).not.toBeNull();
    expect(keys.size).toBe(1);
  });

  it(`holds at most ${VERIFICATION_KEYS_MAX} keys`, () => {
    const keys = new VerificationKeys();
    const vkey = syntheticKey();
    for (let epoch = 0; epoch < VERIFICATION_KEYS_MAX; epoch++) keys.add(epoch, 'settlement-4', vkey);
    expect(() => keys.add(VERIFICATION_KEYS_MAX, 'settlement-4', vkey)).toThrow(/holds 256 keys/);
  });
});
