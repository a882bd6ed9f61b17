import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePkcs11Uri, Pkcs11UriError } from '../../src/index.js';
import { pinOf, redacted } from '../../src/crypto/pkcs11/uri.js';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';

describe('PKCS#11 URIs (RFC 7512)', () => {
  it('names the token, the key, the library and where the PIN is', () => {
    expect(parsePkcs11Uri(`pkcs11:token=consortium;object=validator-Orange-FR?module-path=${MODULE}&pin-source=file:/etc/consortium/pin`)).toEqual({
      token: 'consortium',
      object: 'validator-Orange-FR',
      modulePath: MODULE,
      pin: { kind: 'file', path: '/etc/consortium/pin' },
    });
    // percent-encoding, a file:/// PIN source, and the PIN inline
    expect(parsePkcs11Uri(`pkcs11:token=Orange%20FR;object=v%3B1?module-path=${MODULE}&pin-source=file:///run/pin`)).toMatchObject({ token: 'Orange FR', object: 'v;1', pin: { kind: 'file', path: '/run/pin' } });
    expect(parsePkcs11Uri(`pkcs11:token=t;object=o?module-path=${MODULE}&pin-value=12%2634`).pin).toEqual({ kind: 'value', value: '12&34' });
  });

  it.each([
    ['not a PKCS#11 URI', 'file:/keys/validator-key.json'],
    ['names no token', `pkcs11:object=o?module-path=${MODULE}&pin-value=1`],
    ['names no key', `pkcs11:token=t?module-path=${MODULE}&pin-value=1`],
    ['names no PKCS#11 library', 'pkcs11:token=t;object=o?pin-value=1'],
    ['give the user PIN once', `pkcs11:token=t;object=o?module-path=${MODULE}`],
    ['give the user PIN once', `pkcs11:token=t;object=o?module-path=${MODULE}&pin-value=1&pin-source=file:/p`],
    ['pin-source must be a file: URI', `pkcs11:token=t;object=o?module-path=${MODULE}&pin-source=https://x`],
    ['unknown PKCS#11 URI path attribute "colour"', `pkcs11:token=t;object=o;colour=red?module-path=${MODULE}&pin-value=1`],
    ['names token twice', `pkcs11:token=t;token=u;object=o?module-path=${MODULE}&pin-value=1`],
  ])('refuses one that %s', (problem, uri) => {
    expect(() => parsePkcs11Uri(uri)).toThrow(Pkcs11UriError);
    expect(() => parsePkcs11Uri(uri)).toThrow(problem);
  });

  it('never repeats an inline PIN in a message', () => {
    const uri = 'pkcs11:object=o?module-path=x&pin-value=s3cret';
    expect(() => parsePkcs11Uri(uri)).toThrow(/pin-value=\*\*\*/);
    expect(() => parsePkcs11Uri(uri)).not.toThrow(/s3cret/);
    expect(redacted(uri)).toBe('pkcs11:object=o?module-path=x&pin-value=***');
  });

  it('reads the PIN from its file when the key is opened, without the trailing newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pin-'));
    try {
      await writeFile(join(dir, 'pin'), '4321\n');
      expect(pinOf(parsePkcs11Uri(`pkcs11:token=t;object=o?module-path=${MODULE}&pin-source=file:${join(dir, 'pin')}`))).toBe('4321');
      expect(() => pinOf(parsePkcs11Uri(`pkcs11:token=t;object=o?module-path=${MODULE}&pin-source=file:${join(dir, 'missing')}`))).toThrow(/PIN file .* cannot be read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
