import { readFile } from 'node:fs/promises';
import { bytesEqual, Ed25519Signer, Pkcs11Ed25519Signer, Pkcs11Error, toHex, validatorKeyFromJson, ValidatorKeyError, type Ed25519SigningKey, type GenesisMember } from '@consortium/consensus';
import type { NodeConfig } from '@consortium/node-config';
import { NodeStartError } from './start-error.js';

/**
 * The member's validator key, which signs consensus votes and the member's settlement
 * transactions: a key file (validatorKeyFile), or a key held in an HSM (validatorKeyPkcs11Uri),
 * which signs inside the token and never leaves it. Either way it must be the key genesis lists
 * for this member: a node that signed with another would have every vote refused.
 */
export interface ValidatorKey {
  readonly signer: Ed25519SigningKey;
  /** Where it is, for the log: the file, or `HSM token "<label>"`. */
  readonly where: string;
  close(): void;
}

export async function openValidatorKey(config: Pick<NodeConfig, 'memberId' | 'validatorKeyFile' | 'validatorKeyPkcs11Uri'>, self: Pick<GenesisMember, 'publicKey'>): Promise<ValidatorKey> {
  const key = config.validatorKeyPkcs11Uri === undefined ? await fromFile(config) : fromHsm(config.validatorKeyPkcs11Uri);
  if (!bytesEqual(key.signer.publicKey, self.publicKey)) {
    key.close();
    throw new NodeStartError(`the validator key in ${key.where} is ${toHex(key.signer.publicKey)}, genesis lists ${toHex(self.publicKey)} for ${config.memberId}: use this member's key`);
  }
  return key;
}

async function fromFile(config: Pick<NodeConfig, 'memberId' | 'validatorKeyFile'>): Promise<ValidatorKey> {
  const file = config.validatorKeyFile!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NodeStartError(`cannot read the validator key file ${file}: ${(error as Error).message}`);
  }
  let parsed: ReturnType<typeof validatorKeyFromJson>;
  try {
    parsed = validatorKeyFromJson(JSON.parse(text));
  } catch (error) {
    if (error instanceof ValidatorKeyError || error instanceof SyntaxError) throw new NodeStartError(`${file} is not a validator key file: ${error.message}`);
    throw error;
  }
  if (parsed.memberId !== config.memberId) throw new NodeStartError(`${file} is the key of ${parsed.memberId}, not of ${config.memberId}`);
  return { signer: new Ed25519Signer(parsed.keyPair), where: file, close: () => undefined };
}

function fromHsm(uri: string): ValidatorKey {
  try {
    const signer = Pkcs11Ed25519Signer.open(uri);
    return { signer, where: `the HSM key ${signer.label}`, close: () => signer.close() };
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new NodeStartError(`validatorKeyPkcs11Uri: ${error.message}`, { cause: error });
    throw error;
  }
}
