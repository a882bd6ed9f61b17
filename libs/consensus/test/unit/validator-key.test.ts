import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair, validatorKeyFromJson, validatorKeyToJson, ValidatorKeyError } from '../../src/index.js';

describe('validator key file', () => {
  it('round-trips a key pair', () => {
    const keyPair = generateEd25519KeyPair();
    const parsed = validatorKeyFromJson(JSON.stringify(validatorKeyToJson('Orange-FR', keyPair)));
    expect(parsed.memberId).toBe('Orange-FR');
    expect(parsed.keyPair).toEqual(keyPair);
  });

  it('refuses a public key that does not belong to the private key, naming the member', () => {
    const json = { ...validatorKeyToJson('SFR-FR', generateEd25519KeyPair()), publicKey: validatorKeyToJson('x', generateEd25519KeyPair()).publicKey };
    expect(() => validatorKeyFromJson(json)).toThrow(ValidatorKeyError);
    expect(() => validatorKeyFromJson(json)).toThrow(/validator key of SFR-FR: publicKey does not belong to privateKey/);
  });

  it('refuses text that is not JSON and a seed of the wrong length', () => {
    expect(() => validatorKeyFromJson('{oops')).toThrow('the validator key file is not JSON');
    expect(() => validatorKeyFromJson({ memberId: 'A', publicKey: '00', privateKey: 'abcd' })).toThrow(/64 hex characters/);
  });
});
