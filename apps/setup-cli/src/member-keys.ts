import { inspect } from 'node:util';
import { readFile } from 'node:fs/promises';
import { generateEd25519KeyPair, generatePkcs11Ed25519Key, toHex, validatorKeyFromJson, validatorKeyToJson } from '@consortium/consensus';
import { generateNodeKey, nodeKeyFromJson, nodeKeyToJson, peerIdOf } from '@consortium/p2p';
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

/**
 * A member's key files as an earlier run wrote them (devnet --keep-keys): read, parsed (a bad
 * file throws its parser's error naming what is wrong) and checked to be `memberId`'s.
 */
export async function readMemberKeys(validatorKeyPath: string, nodeKeyPath: string, memberId: string): Promise<MemberKeys> {
  const validatorText = await readFile(validatorKeyPath, 'utf8');
  const nodeText = await readFile(nodeKeyPath, 'utf8');
  const validator = validatorKeyFromJson(validatorText);
  if (validator.memberId !== memberId) throw new Error(`${validatorKeyPath} is ${validator.memberId}'s validator key, not ${memberId}'s`);
  const nodeKey = nodeKeyFromJson(nodeText);
  return {
    validatorKeyFile: new SecretText(validatorText),
    nodeKeyFile: new SecretText(nodeText),
    publicKeys: { publicKey: toHex(validator.keyPair.publicKey), peerId: peerIdOf(nodeKey) },
  };
}
