import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createSoftHsmToken, Ed25519Verifier, fromHex, type SoftHsmToken } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentity } from '../../src/ceremony/identity.js';
import { temporaryDir } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

/**
 * A member whose validator key is made inside an HSM (a real SoftHSM 2 token): `keys
 * --validator-pkcs11` writes only the node key and prints the HSM key's public half; the
 * ceremony's and key rotation's `--key` take the same URI and sign inside the token.
 */

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let token: SoftHsmToken;
beforeAll(async () => {
  tmp = await temporaryDir('hsm-keys');
  token = await createSoftHsmToken(join(tmp.path, 'hsm'), 'consortium');
  process.env.SOFTHSM2_CONF = token.env.SOFTHSM2_CONF;
});
afterAll(async () => {
  await tmp.remove();
});

describe('a validator key made and used in an HSM', () => {
  it('keys --validator-pkcs11 writes only the node key, and the entry carries the HSM key that --key signs with', async () => {
    const out = join(tmp.path, 'Orange-FR');
    const uri = token.uriOf('validator-Orange-FR');
    const { stdout, stderr } = await runInProcessOk(['keys', '--member', 'Orange-FR', '--out', out, '--validator-pkcs11', uri]);
    expect(await readdir(out)).toEqual(['node-key.json']);
    expect(stderr).toContain('the validator key stays in the HSM');
    const entry = JSON.parse(stdout) as { id: string; publicKey: string };
    expect(entry.id).toBe('Orange-FR');

    const identity = await loadIdentity(uri, 'Orange-FR');
    expect(identity.publicKeyHex).toBe(entry.publicKey);
    const message = new TextEncoder().encode('ceremony transcript entry 3');
    expect(new Ed25519Verifier().verify(fromHex(entry.publicKey, 32)!, message, identity.signer.sign(message))).toBe(true);
    identity.close();
  });

  it('refuses a label the token already holds, an unknown token and a wrong PIN, saying what to check', async () => {
    const taken = await runInProcess(['keys', '--member', 'SFR-FR', '--out', join(tmp.path, 'SFR-FR'), '--validator-pkcs11', token.uriOf('validator-Orange-FR')]);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('already holds a key labelled "validator-Orange-FR"');
    expect(taken.stderr).toContain('Check the PKCS#11 URI');
    await expect(loadIdentity(token.uriOf('validator-Orange-FR').replace('token=consortium', 'token=other'), 'Orange-FR')).rejects.toThrow(/no token labelled "other"/);
    await expect(loadIdentity(token.uriOf('validator-Orange-FR').replace('pin-value=1234', 'pin-value=0000'), 'Orange-FR')).rejects.toThrow(/check the PIN/);
  });
});
