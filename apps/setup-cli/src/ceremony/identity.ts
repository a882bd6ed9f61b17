import { Ed25519Signer, isPkcs11Uri, Pkcs11Ed25519Signer, Pkcs11Error, toHex, validatorKeyFromJson, ValidatorKeyError } from '@consortium/consensus';
import type { CeremonySigner } from '@consortium/ceremony';
import { CeremonyInputError, HsmKeyError } from '../errors.js';
import { readTextFile } from '../files.js';

/**
 * A member's identity key for the ceremony: the ed25519 validator key of genesis (validator-key.json
 * from `consortium-setup keys`), which signs the plan, each transcript entry and the attestation
 * as it signs consensus votes. Refused when the file belongs to another member. `--key` may
 * instead be a PKCS#11 URI: the key then signs inside the HSM (its public key is checked against
 * the plan's and genesis's like a file's).
 */
export interface CeremonyIdentity {
  readonly member: string;
  readonly publicKeyHex: string;
  readonly signer: CeremonySigner;
  /** Ends the HSM session of a key held there (a key file: nothing to do). */
  close(): void;
}

export async function loadIdentity(keyFile: string, member: string): Promise<CeremonyIdentity> {
  if (isPkcs11Uri(keyFile)) return hsmIdentity(keyFile, member);
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
  return { member, publicKeyHex: toHex(parsed.keyPair.publicKey), signer: new Ed25519Signer(parsed.keyPair), close: () => undefined };
}

function hsmIdentity(uri: string, member: string): CeremonyIdentity {
  try {
    const signer = Pkcs11Ed25519Signer.open(uri);
    return { member, publicKeyHex: toHex(signer.publicKey), signer, close: () => signer.close() };
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new HsmKeyError(error.message);
    throw error;
  }
}
