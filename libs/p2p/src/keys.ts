/**
 * Node keys: the ed25519 libp2p identity of a member's node. Its peer id is what genesis lists
 * and what the members-only gater admits. On disk it is a small JSON file,
 * `{ "peerId": "12D3KooW...", "privateKey": "<hex of the protobuf-marshalled key>" }`: the
 * peerId is redundant on purpose, so a mixed-up file is caught when it is loaded rather than
 * when every peer refuses the node.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { InvalidNodeKeyFileError, NodeKeyMismatchError, UnsupportedNodeKeyTypeError } from './errors.js';

/** The JSON form of a node key file. */
export interface NodeKeyJson {
  readonly peerId: string;
  /** Hex of the libp2p protobuf encoding of the private key (key type + raw key). */
  readonly privateKey: string;
}

/** A fresh ed25519 node key. */
export async function generateNodeKey(): Promise<Ed25519PrivateKey> {
  return generateKeyPair('Ed25519');
}

/** The peer id (12D3KooW...) of a node key, as genesis lists it. */
export function peerIdOf(key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}

export function nodeKeyToJson(key: PrivateKey): NodeKeyJson {
  const ed25519 = requireEd25519(key);
  return { peerId: peerIdOf(ed25519), privateKey: Buffer.from(privateKeyToProtobuf(ed25519)).toString('hex') };
}

/**
 * Reads a node key file: `json` is the parsed object or the file's text. Throws
 * InvalidNodeKeyFileError for a wrong shape or an undecodable key, UnsupportedNodeKeyTypeError
 * for a non-ed25519 key and NodeKeyMismatchError when the peerId is not the key's.
 */
export function nodeKeyFromJson(json: unknown): Ed25519PrivateKey {
  const value = typeof json === 'string' ? parseJsonText(json) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidNodeKeyFileError('expected an object with "peerId" and "privateKey"');
  }
  const { peerId, privateKey } = value as Record<string, unknown>;
  if (typeof peerId !== 'string' || peerId === '') throw new InvalidNodeKeyFileError('"peerId" must be a non-empty string');
  if (typeof privateKey !== 'string') throw new InvalidNodeKeyFileError('"privateKey" must be a hex string');
  if (privateKey.length === 0 || privateKey.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(privateKey)) {
    throw new InvalidNodeKeyFileError('"privateKey" must be an even-length hex string');
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(Buffer.from(privateKey, 'hex'));
  } catch (err) {
    throw new InvalidNodeKeyFileError(`"privateKey" does not decode as a libp2p private key (${(err as Error).message})`);
  }
  const ed25519 = requireEd25519(key);
  const actualPeerId = peerIdOf(ed25519);
  if (actualPeerId !== peerId) throw new NodeKeyMismatchError(peerId, actualPeerId);
  return ed25519;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidNodeKeyFileError(`not JSON (${(err as Error).message})`);
  }
}

function requireEd25519(key: PrivateKey): Ed25519PrivateKey {
  if (key.type !== 'Ed25519') throw new UnsupportedNodeKeyTypeError(key.type);
  return key;
}
