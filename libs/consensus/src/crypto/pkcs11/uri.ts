import { readFileSync } from 'node:fs';

/**
 * PKCS#11 URIs (RFC 7512) naming a key in a token, as node.json and the setup CLI take them:
 *
 *   pkcs11:token=consortium;object=validator-Orange-FR?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/consortium/hsm-pin
 *
 * `token` (the token's label) and `object` (the key's label) name the key; `module-path` the
 * PKCS#11 library; the user PIN comes from `pin-source` (a file, read when the key is opened;
 * the way RFC 7512 recommends) or `pin-value` (tests and demos: the URI then is a secret).
 */

export interface Pkcs11Uri {
  readonly token: string;
  readonly object: string;
  readonly modulePath: string;
  /** Where the PIN is: inline, or a file. */
  readonly pin: { readonly kind: 'value'; readonly value: string } | { readonly kind: 'file'; readonly path: string };
}

/** Any refusal of a key in a PKCS#11 token: a URI that names none (Pkcs11UriError), or a token, PIN or key that does not serve (Pkcs11KeyError). */
export abstract class Pkcs11Error extends Error {}

/** A PKCS#11 URI that cannot name a key: says which part is missing or wrong. */
export class Pkcs11UriError extends Pkcs11Error {
  override readonly name = 'Pkcs11UriError';
}

const PATH_ATTRIBUTES = new Set(['token', 'object', 'type', 'id', 'manufacturer', 'model', 'serial', 'library-description', 'library-manufacturer', 'library-version', 'slot-description', 'slot-id', 'slot-manufacturer']);
const QUERY_ATTRIBUTES = new Set(['module-path', 'module-name', 'pin-value', 'pin-source']);

export function isPkcs11Uri(value: string): boolean {
  return value.startsWith('pkcs11:');
}

/** Parses a PKCS#11 URI; throws Pkcs11UriError naming what is missing (token, object, module-path, a PIN). */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!isPkcs11Uri(uri)) throw new Pkcs11UriError(`${JSON.stringify(redacted(uri))} is not a PKCS#11 URI (pkcs11:token=...;object=...?module-path=...&pin-source=...)`);
  const body = uri.slice('pkcs11:'.length);
  const [pathPart = '', queryPart = ''] = splitOnce(body, '?');
  const path = attributes(pathPart, ';', PATH_ATTRIBUTES, 'path');
  const query = attributes(queryPart, '&', QUERY_ATTRIBUTES, 'query');
  const token = path.get('token');
  const object = path.get('object');
  const modulePath = query.get('module-path');
  if (token === undefined) throw new Pkcs11UriError(`${redacted(uri)}: names no token (token=<label>)`);
  if (object === undefined) throw new Pkcs11UriError(`${redacted(uri)}: names no key (object=<label>)`);
  if (modulePath === undefined) throw new Pkcs11UriError(`${redacted(uri)}: names no PKCS#11 library (module-path=/usr/lib/softhsm/libsofthsm2.so, say)`);
  const pinValue = query.get('pin-value');
  const pinSource = query.get('pin-source');
  if ((pinValue === undefined) === (pinSource === undefined)) throw new Pkcs11UriError(`${redacted(uri)}: give the user PIN once, as pin-source=file:<path> or pin-value=<pin>`);
  if (pinSource !== undefined && !pinSource.startsWith('file:')) throw new Pkcs11UriError(`${redacted(uri)}: pin-source must be a file: URI`);
  return {
    token,
    object,
    modulePath,
    pin: pinValue !== undefined ? { kind: 'value', value: pinValue } : { kind: 'file', path: decodeURIComponent(pinSource!.slice('file:'.length).replace(/^\/\/(?=\/)/, '')) },
  };
}

/** The user PIN of a parsed URI (a pin-source file is read now, its trailing newline dropped). */
export function pinOf(uri: Pkcs11Uri): string {
  if (uri.pin.kind === 'value') return uri.pin.value;
  try {
    return readFileSync(uri.pin.path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Pkcs11UriError(`the PIN file ${uri.pin.path} cannot be read: ${(error as Error).message}`);
  }
}

/** The URI with any inline PIN hidden, for messages and logs. */
export function redacted(uri: string): string {
  return uri.replace(/(pin-value=)[^&]*/g, '$1***');
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function attributes(part: string, separator: string, known: ReadonlySet<string>, where: 'path' | 'query'): Map<string, string> {
  const found = new Map<string, string>();
  if (part === '') return found;
  for (const pair of part.split(separator)) {
    const [name, value] = splitOnce(pair, '=');
    if (!known.has(name)) throw new Pkcs11UriError(`unknown PKCS#11 URI ${where} attribute ${JSON.stringify(name)}`);
    if (found.has(name)) throw new Pkcs11UriError(`the PKCS#11 URI names ${name} twice`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      throw new Pkcs11UriError(`the PKCS#11 URI's ${name} is not percent-encoded correctly`);
    }
    found.set(name, decoded);
  }
  return found;
}
