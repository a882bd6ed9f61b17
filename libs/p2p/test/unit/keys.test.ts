import { generateKeyPair } from '@libp2p/crypto/keys';
import { describe, expect, it } from 'vitest';
import {
  generateNodeKey,
  InvalidNodeKeyFileError,
  NodeKeyMismatchError,
  nodeKeyFromJson,
  nodeKeyToJson,
  peerIdOf,
  UnsupportedNodeKeyTypeError,
} from '../../src/index.js';

describe('node keys', () => {
  it('generates ed25519 keys whose peer id is a 12D3KooW... id', async () => {
    const key = await generateNodeKey();
    expect(key.type).toBe('Ed25519');
    expect(peerIdOf(key)).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(peerIdOf(await generateNodeKey())).not.toBe(peerIdOf(key));
  });

  it('round-trips through the JSON file form, as an object or as text', async () => {
    const key = await generateNodeKey();
    const json = nodeKeyToJson(key);
    expect(Object.keys(json)).toEqual(['peerId', 'privateKey']);
    expect(json.peerId).toBe(peerIdOf(key));
    expect(json.privateKey).toMatch(/^[0-9a-f]+$/);
    expect(nodeKeyFromJson(json).equals(key)).toBe(true);
    expect(nodeKeyFromJson(JSON.stringify(json, null, 2)).equals(key)).toBe(true);
  });

  it('names both peer ids when the file peerId is not the key', async () => {
    const [key, other] = [await generateNodeKey(), await generateNodeKey()];
    const json = { ...nodeKeyToJson(key), peerId: peerIdOf(other) };
    const error = (() => {
      try {
        nodeKeyFromJson(json);
        return null;
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(NodeKeyMismatchError);
    expect(error).toMatchObject({ name: 'NodeKeyMismatchError', declaredPeerId: peerIdOf(other), actualPeerId: peerIdOf(key) });
    expect((error as Error).message).toContain(peerIdOf(other));
    expect((error as Error).message).toContain(peerIdOf(key));
  });

  it('refuses malformed files with a specific problem', async () => {
    const good = nodeKeyToJson(await generateNodeKey());
    const cases: [unknown, RegExp][] = [
      ['{not json', /not JSON/],
      [null, /expected an object/],
      [[good], /expected an object/],
      [{ privateKey: good.privateKey }, /"peerId" must be a non-empty string/],
      [{ peerId: good.peerId }, /"privateKey" must be a hex string/],
      [{ peerId: good.peerId, privateKey: 'xyz' }, /even-length hex/],
      [{ peerId: good.peerId, privateKey: 'abc' }, /even-length hex/],
      [{ peerId: good.peerId, privateKey: 'deadbeef' }, /does not decode/],
    ];
    for (const [input, problem] of cases) {
      expect(() => nodeKeyFromJson(input)).toThrow(InvalidNodeKeyFileError);
      expect(() => nodeKeyFromJson(input)).toThrow(problem);
    }
  });

  it('refuses keys that are not ed25519, in either direction', async () => {
    const secp = await generateKeyPair('secp256k1');
    expect(() => nodeKeyToJson(secp)).toThrow(UnsupportedNodeKeyTypeError);
    const { privateKeyToProtobuf } = await import('@libp2p/crypto/keys');
    const file = { peerId: peerIdOf(secp), privateKey: Buffer.from(privateKeyToProtobuf(secp)).toString('hex') };
    expect(() => nodeKeyFromJson(file)).toThrow(UnsupportedNodeKeyTypeError);
  });
});
