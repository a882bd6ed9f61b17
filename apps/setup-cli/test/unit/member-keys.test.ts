import { inspect } from 'node:util';
import { validatorKeyFromJson, toHex } from '@consortium/consensus';
import { nodeKeyFromJson, peerIdOf } from '@consortium/p2p';
import { describe, expect, it } from 'vitest';
import { generateMemberKeys, SecretText } from '../../src/member-keys.js';

describe('generateMemberKeys', () => {
  it('makes key files the libs load, whose public halves are the ones reported', async () => {
    const keys = await generateMemberKeys('Orange-FR');
    const validator = validatorKeyFromJson(keys.validatorKeyFile.reveal());
    expect(validator.memberId).toBe('Orange-FR');
    expect(toHex(validator.keyPair.publicKey)).toBe(keys.publicKeys.publicKey);
    expect(peerIdOf(nodeKeyFromJson(keys.nodeKeyFile.reveal()))).toBe(keys.publicKeys.peerId);
  });

  it('makes different keys each time', async () => {
    const [a, b] = await Promise.all([generateMemberKeys('A'), generateMemberKeys('A')]);
    expect(a.publicKeys.publicKey).not.toBe(b.publicKeys.publicKey);
    expect(a.publicKeys.peerId).not.toBe(b.publicKeys.peerId);
  });
});

describe('SecretText', () => {
  it('never shows its text unless revealed', async () => {
    const keys = await generateMemberKeys('Orange-FR');
    const privateKey = (JSON.parse(keys.validatorKeyFile.reveal()) as { privateKey: string }).privateKey;
    const shown = [String(keys.validatorKeyFile), keys.nodeKeyFile.toString(), JSON.stringify(keys), inspect(keys, { depth: 5 })].join('\n');
    expect(shown).not.toContain(privateKey);
    expect(shown).not.toContain((JSON.parse(keys.nodeKeyFile.reveal()) as { privateKey: string }).privateKey);
    expect(new SecretText('x').toString()).toBe('[secret]');
  });
});
