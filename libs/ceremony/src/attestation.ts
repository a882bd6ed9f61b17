import { encodeCanonical, fromHex, toHex, Ed25519Verifier } from '@consortium/consensus';
import type { CeremonyPlan } from './plan.js';
import { planHash } from './plan.js';
import { AttestationError } from './errors.js';
import { signaturesShapeProblem } from './plan-shape.js';

/**
 * The attestation: once every lane is closed, each member checks the outcome and signs the final
 * hashes (phase 1's final file, and per circuit the final proving key and its verification key).
 * Genesis pins the same hashes; a node's keys are the ceremony's only if they match.
 */

export interface FinalHashes {
  readonly planHash: string;
  /** sha256 of phase 1's final file (after the beacon, or the imported file). */
  readonly phase1Sha256: string;
  /** Per circuit, in plan order. */
  readonly circuits: Readonly<Record<string, { readonly zkeySha256: string; readonly vkeySha256: string }>>;
}

export interface MemberSignature {
  readonly member: string;
  /** ed25519, 64 bytes as hex. */
  readonly signature: string;
}

/** What a member signs with: its identity key (a key file's, or one held in an HSM that never leaves it). */
export interface CeremonySigner {
  sign(message: Uint8Array): Uint8Array;
}

const ATTESTATION_DOMAIN = 'consortium/ceremony-attestation/1';

export function attestationSignBytes(hashes: FinalHashes): Uint8Array {
  return encodeCanonical([ATTESTATION_DOMAIN, hashes]);
}

export function signAttestation(hashes: FinalHashes, member: string, signer: CeremonySigner): MemberSignature {
  return { member, signature: toHex(signer.sign(attestationSignBytes(hashes))) };
}

/** Every member of the plan attested exactly these hashes; throws naming the first who did not. */
export function verifyAttestations(plan: CeremonyPlan, hashes: FinalHashes, signatures: readonly MemberSignature[]): void {
  if (hashes.planHash !== planHash(plan)) throw new AttestationError(`the attested hashes belong to the plan ${hashes.planHash.slice(0, 16)}…, not to this one`);
  const shape = signaturesShapeProblem(signatures, 'attestations');
  if (shape !== null) throw new AttestationError(shape);
  const bytes = attestationSignBytes(hashes);
  const verifier = new Ed25519Verifier();
  const members = new Set(plan.members.map((member) => member.id));
  for (const { member } of signatures) if (!members.has(member)) throw new AttestationError(`an attestation by ${member}, who is not a member of the plan`);
  for (const member of plan.members) {
    const signed = signatures.filter((signature) => signature.member === member.id);
    if (signed.length === 0) throw new AttestationError(`${member.id} has not attested the final hashes`);
    for (const { signature } of signed) {
      const bytesOfSignature = /^[0-9a-f]{128}$/.test(signature) ? fromHex(signature, 64) : null;
      if (bytesOfSignature === null || bytesOfSignature === undefined || !verifier.verify(fromHex(member.publicKey, 32)!, bytes, bytesOfSignature)) {
        throw new AttestationError(`${member.id}'s attestation does not verify over these final hashes: it attested other files, or was not signed by ${member.id}`);
      }
    }
  }
}
