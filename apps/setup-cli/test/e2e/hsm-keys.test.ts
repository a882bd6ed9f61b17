import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createSoftHsmToken, Ed25519Verifier, fromHex, Pkcs11AesKey, type SoftHsmToken } from '@consortium/consensus';
import { assembleKeysFolder, ensureTestKeys, genesisArtifactPins, loadEpoch } from '@consortium/zkp';
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

describe('proving keys sealed by an AES key in the HSM (seal-keys)', () => {
  it('replaces each proving key by its sealed file, which the loader opens in memory with the same key, and says so when run again', async () => {
    const keys = await ensureTestKeys('settlement-4');
    const dir = join(tmp.path, 'keys');
    const manifest = await assembleKeysFolder(dir, {
      epoch: 1,
      insecure: true,
      ceremony: 'demo',
      ptau: { power: keys.ptauPower, path: keys.ptauPath },
      circuits: [{ name: 'settlement-4', constraints: keys.circuit.manifest.constraints, r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path), wasm: keys.wasmPath, zkey: keys.zkeyPath, vkey: keys.vkeyPath }],
    });
    const uri = token.uriOf('seal-keys');
    const sealed = await runInProcessOk(['seal-keys', '--keys', dir, '--new-key', '--pkcs11', uri]);
    expect(sealed.stdout).toContain('1 proving key(s) of');
    expect((await readdir(dir)).filter((name) => name.includes('.zkey'))).toEqual(['settlement-4.zkey.sealed']);

    const sealer = Pkcs11AesKey.open(uri);
    try {
      const loaded = await loadEpoch(dir, { artifacts: genesisArtifactPins(manifest), trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' }, { sealer });
      expect(loaded.circuits.get('settlement-4')?.zkeyBytes?.byteLength).toBe(manifest.circuits['settlement-4']!.zkey.bytes);
    } finally {
      sealer.close();
    }
    expect((await runInProcessOk(['seal-keys', '--keys', dir, '--pkcs11', uri])).stdout).toContain('settlement-4.zkey.sealed is sealed already');
    const missing = await runInProcess(['seal-keys', '--keys', dir, '--pkcs11', token.uriOf('no-such-key')]);
    expect(missing.stderr).toContain('holds no sealing key labelled "no-such-key"');
  });
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
