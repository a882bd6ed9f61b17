import { inspect } from 'node:util';
import { generateEd25519KeyPair, generatePkcs11Ed25519Key, toHex, validatorKeyToJson } from '@consortium/consensus';
import { generateNodeKey, nodeKeyToJson } from '@consortium/p2p';
import type { PublicKeys } from './member-entry.js';

/**
 * The text of a key file. It prints as "[secret]" through String(), JSON.stringify and
 * console.log, so a key cannot reach stdout or a log by accident; only the file writer calls
 * reveal().
 */
export class SecretText {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  reveal(): string {
    return this.#text;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** A member's two keys as key-file texts, and their public halves for the member entry. */
export interface MemberKeys {
  /** validator-key.json: ed25519 key for consensus signatures (validatorKeyToJson). */
  readonly validatorKeyFile: SecretText;
  /** node-key.json: the libp2p identity of the member's node (nodeKeyToJson). */
  readonly nodeKeyFile: SecretText;
  readonly publicKeys: PublicKeys;
}

const keyFileText = (json: object) => new SecretText(`${JSON.stringify(json, null, 2)}\n`);

export async function generateMemberKeys(memberId: string): Promise<MemberKeys> {
  const validatorKey = validatorKeyToJson(memberId, generateEd25519KeyPair());
  const nodeKey = nodeKeyToJson(await generateNodeKey());
  return {
    validatorKeyFile: keyFileText(validatorKey),
    nodeKeyFile: keyFileText(nodeKey),
    publicKeys: { publicKey: validatorKey.publicKey, peerId: nodeKey.peerId },
  };
}

/**
 * A member's keys with the validator key generated inside an HSM (the PKCS#11 URI's token and
 * label; not extractable, so there is no validator key file): only the node key is a file.
 */
export async function generateMemberKeysInHsm(validatorKeyUri: string): Promise<Omit<MemberKeys, 'validatorKeyFile'>> {
  const publicKey = generatePkcs11Ed25519Key(validatorKeyUri);
  const nodeKey = nodeKeyToJson(await generateNodeKey());
  return { nodeKeyFile: keyFileText(nodeKey), publicKeys: { publicKey: toHex(publicKey), peerId: nodeKey.peerId } };
}
