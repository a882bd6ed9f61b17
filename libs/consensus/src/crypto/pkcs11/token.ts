import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import { ED25519_PUBLIC_KEY_BYTES } from '../ed25519.js';
import { parsePkcs11Uri, Pkcs11Error, pinOf, redacted, type Pkcs11Uri } from './uri.js';

/**
 * Ed25519 keys that live in a PKCS#11 token (an HSM; SoftHSM 2 in tests): generated there as
 * non-extractable, sensitive objects, and used through C_Sign with CKM_EDDSA. The private key
 * never reaches this process. pkcs11js is loaded only when a URI is used, so a node without an
 * HSM never loads the native module.
 */

// PKCS#11 3.0 constants pkcs11js does not name.
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKK_EC_EDWARDS = 0x40;
/** DER of the curve's OID 1.3.101.112 (Ed25519), the EC parameters of an Edwards key. */
const ED25519_EC_PARAMS = Buffer.from('06032b6570', 'hex');

/** A key or token that cannot be used: names the token, the key and what the library said. */
export class Pkcs11KeyError extends Pkcs11Error {
  override readonly name = 'Pkcs11KeyError';
}

type Pkcs11Module = typeof Pkcs11Js;
type Session = Buffer;
type Handle = Buffer;

let pkcs11js: Pkcs11Module | null = null;
function library(): Pkcs11Module {
  pkcs11js ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11Module;
  return pkcs11js;
}

/** One loaded and initialised PKCS#11 library per module path, shared by every key opened from it. */
const modules = new Map<string, { readonly pkcs11: Pkcs11Js.PKCS11; users: number }>();

function openModule(modulePath: string): Pkcs11Js.PKCS11 {
  const open = modules.get(modulePath);
  if (open !== undefined) {
    open.users += 1;
    return open.pkcs11;
  }
  const { PKCS11 } = library();
  const pkcs11 = new PKCS11();
  try {
    pkcs11.load(modulePath);
    pkcs11.C_Initialize();
  } catch (error) {
    throw new Pkcs11KeyError(`the PKCS#11 library ${modulePath} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  modules.set(modulePath, { pkcs11, users: 1 });
  return pkcs11;
}

function closeModule(modulePath: string): void {
  const open = modules.get(modulePath);
  if (open === undefined) return;
  open.users -= 1;
  if (open.users > 0) return;
  modules.delete(modulePath);
  open.pkcs11.C_Finalize();
  open.pkcs11.close();
}

/** Open sessions per (library, token): the login is shared, made by the first and ended by the last. */
const logins = new Map<string, number>();
const loginKeyOf = (uri: Pkcs11Uri) => `${uri.modulePath}\0${uri.token}`;

/** A logged-in session on the token a URI names; its opener closes it. */
class TokenSession {
  private constructor(
    readonly uri: Pkcs11Uri,
    readonly pkcs11: Pkcs11Js.PKCS11,
    readonly session: Session,
  ) {}

  static open(uri: Pkcs11Uri): TokenSession {
    const pkcs11 = openModule(uri.modulePath);
    try {
      const { CKF_RW_SESSION, CKF_SERIAL_SESSION, CKU_USER } = library();
      const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === uri.token);
      if (slot === undefined) throw new Pkcs11KeyError(`no token labelled ${JSON.stringify(uri.token)} in ${uri.modulePath}`);
      const session = pkcs11.C_OpenSession(slot, CKF_RW_SESSION | CKF_SERIAL_SESSION);
      // PKCS#11 logs in the application, not the session: the first session logs in, the others share it.
      const loginKey = loginKeyOf(uri);
      const loggedIn = logins.get(loginKey) ?? 0;
      if (loggedIn === 0) {
        try {
          pkcs11.C_Login(session, CKU_USER, pinOf(uri));
        } catch (error) {
          pkcs11.C_CloseSession(session);
          throw new Pkcs11KeyError(`cannot log in to token ${JSON.stringify(uri.token)}: ${(error as Error).message} (check the PIN)`, { cause: error });
        }
      }
      logins.set(loginKey, loggedIn + 1);
      return new TokenSession(uri, pkcs11, session);
    } catch (error) {
      closeModule(uri.modulePath);
      throw error;
    }
  }

  /** The one object of `objectClass` labelled with the URI's object, or null. */
  find(objectClass: number): Handle | null {
    const { CKA_CLASS, CKA_LABEL } = library();
    this.pkcs11.C_FindObjectsInit(this.session, [
      { type: CKA_CLASS, value: objectClass },
      { type: CKA_LABEL, value: this.uri.object },
    ]);
    try {
      const found = this.pkcs11.C_FindObjects(this.session, 2);
      if (found.length > 1) throw new Pkcs11KeyError(`token ${JSON.stringify(this.uri.token)} holds more than one key labelled ${JSON.stringify(this.uri.object)}`);
      return found[0] ?? null;
    } finally {
      this.pkcs11.C_FindObjectsFinal(this.session);
    }
  }

  close(): void {
    const loginKey = loginKeyOf(this.uri);
    const loggedIn = (logins.get(loginKey) ?? 1) - 1;
    if (loggedIn === 0) {
      logins.delete(loginKey);
      try {
        this.pkcs11.C_Logout(this.session);
      } catch {
        // a session that lost its login closes all the same
      }
    } else logins.set(loginKey, loggedIn);
    this.pkcs11.C_CloseSession(this.session);
    closeModule(this.uri.modulePath);
  }
}

function publicKeyOf(token: TokenSession, handle: Handle): Uint8Array {
  const { CKA_EC_POINT } = library();
  const [point] = token.pkcs11.C_GetAttributeValue(token.session, handle, [{ type: CKA_EC_POINT }]);
  const value = point?.value;
  if (!(value instanceof Buffer)) throw new Pkcs11KeyError(`the public key ${JSON.stringify(token.uri.object)} has no EC point`);
  // CKA_EC_POINT is the DER OCTET STRING of the 32-byte key (04 20 ...); some tokens give it bare.
  const raw = value.length === ED25519_PUBLIC_KEY_BYTES + 2 && value[0] === 0x04 && value[1] === ED25519_PUBLIC_KEY_BYTES ? value.subarray(2) : value;
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new Pkcs11KeyError(`the key ${JSON.stringify(token.uri.object)} is not an Ed25519 key (its EC point has ${value.length} bytes)`);
  return new Uint8Array(raw);
}

/**
 * An Ed25519 signing key held in a PKCS#11 token: what Ed25519Signer is for a key in a file
 * (`publicKey`, a synchronous `sign`), through one logged-in session kept open until close().
 */
export class Pkcs11Ed25519Signer {
  private closed = false;

  private constructor(
    private readonly token: TokenSession,
    private readonly privateKey: Handle,
    readonly publicKey: Uint8Array,
  ) {}

  /** Opens the key a PKCS#11 URI names (its public half gives publicKey); throws Pkcs11UriError or Pkcs11KeyError. */
  static open(uri: string): Pkcs11Ed25519Signer {
    const parsed = parsePkcs11Uri(uri);
    const token = TokenSession.open(parsed);
    try {
      const { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY } = library();
      const privateKey = token.find(CKO_PRIVATE_KEY);
      const publicKey = token.find(CKO_PUBLIC_KEY);
      if (privateKey === null || publicKey === null) throw new Pkcs11KeyError(`token ${JSON.stringify(parsed.token)} holds no Ed25519 key pair labelled ${JSON.stringify(parsed.object)} (${redacted(uri)})`);
      return new Pkcs11Ed25519Signer(token, privateKey, publicKeyOf(token, publicKey));
    } catch (error) {
      token.close();
      throw error;
    }
  }

  /** `"<object>" in token "<token>"`, for messages and logs. */
  get label(): string {
    return `${JSON.stringify(this.token.uri.object)} in token ${JSON.stringify(this.token.uri.token)}`;
  }

  sign(message: Uint8Array): Uint8Array {
    if (this.closed) throw new Pkcs11KeyError('the PKCS#11 key was closed');
    const { pkcs11, session } = this.token;
    pkcs11.C_SignInit(session, { mechanism: CKM_EDDSA }, this.privateKey);
    return new Uint8Array(pkcs11.C_Sign(session, Buffer.from(message), Buffer.alloc(64)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.token.close();
  }
}

/**
 * Generates an Ed25519 key pair inside the token, labelled with the URI's object: the private
 * key sensitive and not extractable (it never leaves the token). Refuses a label already taken.
 * Returns the public key.
 */
export function generatePkcs11Ed25519Key(uri: string): Uint8Array {
  const { CKO_PRIVATE_KEY, CKA_TOKEN, CKA_EC_PARAMS, CKA_LABEL, CKA_VERIFY, CKA_PRIVATE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_SIGN, CKA_KEY_TYPE } = library();
  return generateInToken(uri, CKO_PRIVATE_KEY, 'an Ed25519 key', (token, label) => {
    const keys = token.pkcs11.C_GenerateKeyPair(
      token.session,
      { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [
        { type: CKA_TOKEN, value: true },
        { type: CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
        { type: CKA_EC_PARAMS, value: ED25519_EC_PARAMS },
        { type: CKA_LABEL, value: label },
        { type: CKA_VERIFY, value: true },
      ],
      [
        { type: CKA_TOKEN, value: true },
        { type: CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
        { type: CKA_PRIVATE, value: true },
        { type: CKA_SENSITIVE, value: true },
        { type: CKA_EXTRACTABLE, value: false },
        { type: CKA_LABEL, value: label },
        { type: CKA_SIGN, value: true },
      ],
    );
    return publicKeyOf(token, keys.publicKey);
  });
}

/**
 * Runs `generate` on the token a URI names, refusing first a label the token already holds for
 * `objectClass`; a library failure becomes a Pkcs11KeyError naming `what` and the token.
 */
function generateInToken<T>(uri: string, objectClass: number, what: string, generate: (token: TokenSession, label: string) => T): T {
  const parsed = parsePkcs11Uri(uri);
  const token = TokenSession.open(parsed);
  try {
    if (token.find(objectClass) !== null) throw new Pkcs11KeyError(`token ${JSON.stringify(parsed.token)} already holds a key labelled ${JSON.stringify(parsed.object)}: keep it, or label the new one differently`);
    return generate(token, parsed.object);
  } catch (error) {
    if (error instanceof Pkcs11KeyError) throw error;
    throw new Pkcs11KeyError(`generating ${what} in token ${JSON.stringify(parsed.token)} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    token.close();
  }
}

const AES_KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/**
 * An AES-256 key held in a PKCS#11 token, that seals (AES-GCM, inside the token) what must not
 * lie on disk in clear: a proving key. The key never leaves the token, so a sealed file opens
 * only in a process that can log in to it. `aad` binds a sealed file to what it must be (its name
 * and pin): a sealed file swapped for another does not open.
 */
export class Pkcs11AesKey {
  private closed = false;

  private constructor(
    private readonly token: TokenSession,
    private readonly key: Handle,
  ) {}

  static open(uri: string): Pkcs11AesKey {
    const parsed = parsePkcs11Uri(uri);
    const token = TokenSession.open(parsed);
    try {
      const key = token.find(library().CKO_SECRET_KEY);
      if (key === null) throw new Pkcs11KeyError(`token ${JSON.stringify(parsed.token)} holds no sealing key labelled ${JSON.stringify(parsed.object)} (${redacted(uri)})`);
      return new Pkcs11AesKey(token, key);
    } catch (error) {
      token.close();
      throw error;
    }
  }

  /** `"<object>" in token "<token>"`, for messages and logs. */
  get label(): string {
    return `${JSON.stringify(this.token.uri.object)} in token ${JSON.stringify(this.token.uri.token)}`;
  }

  /** AES-256-GCM with a fresh 96-bit IV: the IV, then the ciphertext and its 128-bit tag. */
  encrypt(plain: Uint8Array, aad: Uint8Array): Uint8Array {
    const iv = randomBytes(GCM_IV_BYTES);
    const { pkcs11, session } = this.token;
    pkcs11.C_EncryptInit(session, this.mechanism(iv, aad), this.key);
    const sealed = pkcs11.C_Encrypt(session, Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength), Buffer.alloc(plain.byteLength + GCM_TAG_BYTES));
    const out = new Uint8Array(GCM_IV_BYTES + sealed.byteLength);
    out.set(iv);
    out.set(sealed, GCM_IV_BYTES);
    return out;
  }

  /** The plain bytes of what encrypt made with this key and `aad`; Pkcs11KeyError when it was altered, or sealed with another key or for another `aad`. */
  decrypt(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    if (sealed.byteLength < GCM_IV_BYTES + GCM_TAG_BYTES) throw new Pkcs11KeyError(`a sealed blob of ${sealed.byteLength} bytes is too short to be one`);
    const iv = Buffer.from(sealed.subarray(0, GCM_IV_BYTES));
    const body = Buffer.from(sealed.buffer, sealed.byteOffset + GCM_IV_BYTES, sealed.byteLength - GCM_IV_BYTES);
    const { pkcs11, session } = this.token;
    try {
      pkcs11.C_DecryptInit(session, this.mechanism(iv, aad), this.key);
      const plain = pkcs11.C_Decrypt(session, body, Buffer.alloc(body.byteLength));
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
    } catch (error) {
      throw new Pkcs11KeyError(`the sealed blob does not open with ${this.label}: altered, or sealed with another key or for another file (${(error as Error).message})`, { cause: error });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.token.close();
  }

  private mechanism(iv: Buffer, aad: Uint8Array): Pkcs11Js.Mechanism {
    if (this.closed) throw new Pkcs11KeyError('the PKCS#11 key was closed');
    const { CKM_AES_GCM, CK_PARAMS_AES_GCM } = library();
    const parameter: Pkcs11Js.AesGCM = { type: CK_PARAMS_AES_GCM, iv, aad: Buffer.from(aad), ivBits: GCM_IV_BYTES * 8, tagBits: GCM_TAG_BYTES * 8 };
    return { mechanism: CKM_AES_GCM, parameter };
  }
}

/** Generates an AES-256 sealing key inside the token, labelled with the URI's object: sensitive, not extractable. Refuses a label taken. */
export function generatePkcs11AesKey(uri: string): void {
  const { CKO_SECRET_KEY, CKA_CLASS, CKA_KEY_TYPE, CKK_AES, CKA_VALUE_LEN, CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT, CKA_DECRYPT, CKA_LABEL, CKM_AES_KEY_GEN } = library();
  generateInToken(uri, CKO_SECRET_KEY, 'an AES key', (token, label) => {
    token.pkcs11.C_GenerateKey(token.session, { mechanism: CKM_AES_KEY_GEN }, [
      { type: CKA_CLASS, value: CKO_SECRET_KEY },
      { type: CKA_KEY_TYPE, value: CKK_AES },
      { type: CKA_VALUE_LEN, value: AES_KEY_BYTES },
      { type: CKA_TOKEN, value: true },
      { type: CKA_PRIVATE, value: true },
      { type: CKA_SENSITIVE, value: true },
      { type: CKA_EXTRACTABLE, value: false },
      { type: CKA_ENCRYPT, value: true },
      { type: CKA_DECRYPT, value: true },
      { type: CKA_LABEL, value: label },
    ]);
  });
}
