import { describe, expect, it } from 'vitest';
import { assembleTx, authenticateTx, InvalidTxSignatureError, signTxBody, txSigningHash, UnknownMemberError } from '../../src/index.js';
import { agreementBody, closeBody, signed } from '../support/bodies.js';
import { CHAIN_ID, memberMap, testMembers } from '../support/members.js';

describe.each([4, 5, 7] as const)('settlement signatures with %i members', (count) => {
  const members = testMembers(count);
  const byId = memberMap(members);
  const [a, b] = members as [(typeof members)[0], (typeof members)[0]];

  it('authenticates every signer of an envelope', () => {
    const tx = signed(agreementBody(a.id, b.id), [b, a]);
    expect(tx.signatures.map((s) => s.member)).toEqual([a.id, b.id].sort());
    expect([...authenticateTx(tx, byId, CHAIN_ID).signers].sort()).toEqual([a.id, b.id].sort());
  });

  it('refuses a signature made for another chain: the chain id is signed', () => {
    const tx = signed(closeBody(), [a], 'another-chain');
    expect(() => authenticateTx(tx, byId, CHAIN_ID)).toThrow(InvalidTxSignatureError);
    expect(Buffer.compare(txSigningHash('another-chain', closeBody()), txSigningHash(CHAIN_ID, closeBody()))).not.toBe(0);
  });

  it('refuses a signature over another body', () => {
    const signature = signTxBody(CHAIN_ID, closeBody('2026-10'), a.id, a.signer);
    expect(() => authenticateTx(assembleTx(closeBody('2026-11'), [signature]), byId, CHAIN_ID)).toThrow(InvalidTxSignatureError);
  });

  it("refuses a member's name on another member's signature", () => {
    const signature = signTxBody(CHAIN_ID, closeBody(), a.id, b.signer);
    const error = (() => {
      try {
        authenticateTx(assembleTx(closeBody(), [signature]), byId, CHAIN_ID);
      } catch (e) {
        return e as InvalidTxSignatureError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidTxSignatureError);
    expect(error?.member).toBe(a.id);
  });

  it('refuses a signer genesis does not list', () => {
    const signature = signTxBody(CHAIN_ID, closeBody(), 'Stranger-XX', a.signer);
    expect(() => authenticateTx(assembleTx(closeBody(), [signature]), byId, CHAIN_ID)).toThrow(UnknownMemberError);
  });
});
