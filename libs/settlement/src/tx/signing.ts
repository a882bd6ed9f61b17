import { Ed25519Verifier, sha256, type Ed25519Signer } from '@consortium/consensus';
import { encodeSettlementCbor } from '../encoding/cbor.js';
import type { MemberId, SettlementMember } from '../domain/types.js';
import { InvalidTxSignatureError, UnknownMemberError } from '../errors.js';
import type { SettlementTx, SettlementTxBody, TxSignature } from './types.js';

/**
 * Settlement signatures: ed25519 (the member's validator key, listed in genesis) over a
 * domain-separated hash of the canonical body that includes the chain id, so a signature
 * cannot be taken to another chain, nor passed off as a consensus vote or proposal.
 */

const TX_DOMAIN = 'consortium/settlement/tx/v1';

/** sha256 of (domain, chain id, body) in the canonical encoding: what each party signs. */
export function txSigningHash(chainId: string, body: SettlementTxBody): Uint8Array {
  return sha256(encodeSettlementCbor([TX_DOMAIN, chainId, body]));
}

/** One member's signature of a body, ready to put in an envelope. */
export function signTxBody(chainId: string, body: SettlementTxBody, member: MemberId, signer: Pick<Ed25519Signer, 'sign'>): TxSignature {
  return { member, signature: signer.sign(txSigningHash(chainId, body)) };
}

/** An envelope from signatures gathered in any order (each party signs on its own node): ordered by member. */
export function assembleTx(body: SettlementTxBody, signatures: readonly TxSignature[]): SettlementTx {
  return { body, signatures: [...signatures].sort((x, y) => (x.member < y.member ? -1 : x.member > y.member ? 1 : 0)) };
}

/** Signs a body with each signer and assembles the envelope (tests, tools, a node signing for its own member). */
export function signSettlementTx(chainId: string, body: SettlementTxBody, signers: readonly { readonly member: MemberId; readonly signer: Pick<Ed25519Signer, 'sign'> }[]): SettlementTx {
  return assembleTx(
    body,
    signers.map(({ member, signer }) => signTxBody(chainId, body, member, signer)),
  );
}

/** A transaction whose every signature is a member's and verifies; `signers` says whose. Made only by authenticateTx. */
export interface AuthenticatedTx {
  readonly tx: SettlementTx;
  readonly signers: ReadonlySet<MemberId>;
}

/**
 * Checks every signature of an envelope against the members' keys. Which signatures a
 * transaction needs depends on the state (the debtor of a statement accepts it), so the
 * transition checks the signer set; this checks only that each signature is genuine.
 */
export function authenticateTx(tx: SettlementTx, members: ReadonlyMap<MemberId, SettlementMember>, chainId: string, verifier: Ed25519Verifier = new Ed25519Verifier()): AuthenticatedTx {
  const message = txSigningHash(chainId, tx.body);
  const signers = new Set<MemberId>();
  tx.signatures.forEach(({ member, signature }, i) => {
    const known = members.get(member);
    if (known === undefined) throw new UnknownMemberError(`signatures[${i}].member`, member);
    if (!verifier.verify(known.publicKey, message, signature)) throw new InvalidTxSignatureError(member);
    signers.add(member);
  });
  return { tx, signers };
}
