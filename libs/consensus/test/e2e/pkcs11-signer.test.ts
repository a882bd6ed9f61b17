import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pkcs11Js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsmToken, Ed25519Verifier, generatePkcs11Ed25519Key, Pkcs11Ed25519Signer, Pkcs11KeyError, SOFTHSM_MODULE_PATH, type SoftHsmToken } from '../../src/index.js';

/**
 * Ed25519 keys in a real SoftHSM 2 token (its own folder): generated inside it, used through
 * PKCS#11, verified outside it by the same verifier consensus uses, and never extractable.
 */

let dir: string;
let token: SoftHsmToken;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkcs11-'));
  token = await createSoftHsmToken(dir, 'consortium');
  // SoftHSM reads its configuration when this process first loads the library.
  process.env.SOFTHSM2_CONF = token.env.SOFTHSM2_CONF;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an Ed25519 key in a PKCS#11 token', () => {
  it('is generated inside the token and signs what Ed25519Verifier accepts with its public key', () => {
    const uri = token.uriOf('validator-Orange-FR');
    const publicKey = generatePkcs11Ed25519Key(uri);
    const signer = Pkcs11Ed25519Signer.open(uri);
    try {
      expect(signer.publicKey).toEqual(publicKey);
      expect(signer.label).toBe('"validator-Orange-FR" in token "consortium"');
      const verifier = new Ed25519Verifier();
      const message = new TextEncoder().encode('prevote for block 7');
      const signature = signer.sign(message);
      expect(signature.byteLength).toBe(64);
      expect(verifier.verify(publicKey, message, signature)).toBe(true);
      expect(verifier.verify(publicKey, new TextEncoder().encode('prevote for block 8'), signature)).toBe(false);
      // Ed25519 is deterministic: the token signs as the key file would
      expect(signer.sign(message)).toEqual(signature);
    } finally {
      signer.close();
    }
    expect(() => signer.sign(new Uint8Array(1))).toThrow(/closed/);
  });

  it('keeps two keys of one token open at once: closing one leaves the other logged in', () => {
    const [first, second] = [token.uriOf('validator-a'), token.uriOf('validator-b')];
    generatePkcs11Ed25519Key(first);
    generatePkcs11Ed25519Key(second);
    const a = Pkcs11Ed25519Signer.open(first);
    const b = Pkcs11Ed25519Signer.open(second);
    a.close();
    const message = new Uint8Array([1, 2, 3]);
    expect(new Ed25519Verifier().verify(b.publicKey, message, b.sign(message))).toBe(true);
    b.close();
  });

  it('never gives out its private key', () => {
    const uri = token.uriOf('validator-Telenor-NO');
    generatePkcs11Ed25519Key(uri);
    const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Js;
    const pkcs11 = new pkcs11js.PKCS11();
    pkcs11.load(SOFTHSM_MODULE_PATH);
    pkcs11.C_Initialize();
    try {
      const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === 'consortium')!;
      const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      pkcs11.C_Login(session, pkcs11js.CKU_USER, '1234');
      pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_LABEL, value: 'validator-Telenor-NO' }]);
      const [privateKey] = pkcs11.C_FindObjects(session, 1);
      pkcs11.C_FindObjectsFinal(session);
      const flags = pkcs11.C_GetAttributeValue(session, privateKey!, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]);
      expect(flags.map((attribute) => (attribute.value)[0])).toEqual([1, 0]);
      expect(() => pkcs11.C_GetAttributeValue(session, privateKey!, [{ type: pkcs11js.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      pkcs11.C_CloseSession(session);
    } finally {
      pkcs11.C_Finalize();
    }
  });

  it('refuses a label taken, a key that is not there, a wrong PIN and a token that is not there, naming each', () => {
    const uri = token.uriOf('validator-SFR-FR');
    generatePkcs11Ed25519Key(uri);
    expect(() => generatePkcs11Ed25519Key(uri)).toThrow(/already holds a key labelled "validator-SFR-FR"/);
    expect(() => Pkcs11Ed25519Signer.open(token.uriOf('validator-Nobody'))).toThrow(/holds no Ed25519 key pair labelled "validator-Nobody"/);
    expect(() => Pkcs11Ed25519Signer.open(uri.replace('pin-value=1234', 'pin-value=9999'))).toThrow(/cannot log in to token "consortium".*check the PIN/);
    expect(() => Pkcs11Ed25519Signer.open(uri.replace('token=consortium', 'token=elsewhere'))).toThrow(Pkcs11KeyError);
    expect(() => Pkcs11Ed25519Signer.open(uri.replace(SOFTHSM_MODULE_PATH, '/usr/lib/no-such-pkcs11.so'))).toThrow(/cannot be loaded/);
  });
});
