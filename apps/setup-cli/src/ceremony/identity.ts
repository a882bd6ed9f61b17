import { Ed25519Signer, toHex, validatorKeyFromJson, ValidatorKeyError } from '@consortium/consensus';
import type { CeremonySigner } from '@consortium/ceremony';
import { CeremonyInputError } from '../errors.js';
import { readTextFile } from '../files.js';

/**
 * A member's identity key for the ceremony: the ed25519 validator key of genesis (validator-key.json
 * from `consortium-setup keys`), which signs the plan, each transcript entry and the attestation
 * as it signs consensus votes. Refused when the file belongs to another member.
 */
export interface CeremonyIdentity {
  readonly member: string;
  readonly publicKeyHex: string;
  readonly signer: CeremonySigner;
}

export async function loadIdentity(keyFile: string, member: string): Promise<CeremonyIdentity> {
  let parsed: ReturnType<typeof validatorKeyFromJson>;
  try {
    parsed = validatorKeyFromJson(await readTextFile(keyFile));
  } catch (error) {
    if (error instanceof ValidatorKeyError) throw new CeremonyInputError(`${keyFile}: ${error.message}`, "Give --key the member's validator-key.json, as `consortium-setup keys` wrote it.");
    throw error;
  }
  if (parsed.memberId !== member) {
    throw new CeremonyInputError(`${keyFile} is ${parsed.memberId}'s key, not ${member}'s`, `Give --key ${member}'s own validator-key.json (each member signs with its own identity key).`);
  }
  return { member, publicKeyHex: toHex(parsed.keyPair.publicKey), signer: new Ed25519Signer(parsed.keyPair) };
}
