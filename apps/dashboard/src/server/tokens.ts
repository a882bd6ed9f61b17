import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TokenFileError } from './errors.js';
import { DASHBOARD_LIMITS } from './limits.js';

/**
 * The tokens the dashboard accepts: observer tokens for people (bearer header or, once posted
 * to /api/session, a session cookie) and the Alertmanager webhook's token. A token file lists
 * one token per line (`#` comments allowed). Comparison hashes both sides and compares the
 * digests in constant time, so neither a token's length nor its prefix leaks through timing.
 */

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class TokenSet {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  matches(token: string): boolean {
    const candidate = digest(token);
    let found = false;
    // Every digest is compared, so the time does not say which one matched.
    for (const known of this.digests) found = timingSafeEqual(known, candidate) || found;
    return found;
  }

  get size(): number {
    return this.digests.length;
  }
}

export async function readTokenFile(file: string): Promise<TokenSet> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new TokenFileError(`cannot read the token file ${file}: ${(error as Error).message}`);
  }
  const tokens = content
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (tokens.length === 0) throw new TokenFileError(`the token file ${file} lists no token`);
  if (tokens.length > DASHBOARD_LIMITS.tokensMax) throw new TokenFileError(`the token file ${file} lists ${tokens.length} tokens, at most ${DASHBOARD_LIMITS.tokensMax}`);
  if (tokens.some((token) => token.length < 16)) throw new TokenFileError(`the token file ${file} has a token shorter than 16 characters`);
  return new TokenSet(tokens);
}

/** A new observer token: 32 random bytes, base64url, with a prefix that says what it is. */
export function newObserverToken(): string {
  return `cdo_${randomBytes(32).toString('base64url')}`;
}

/** The first token of `file`, making the file (mode 0600, its folder too) with a new token when it is missing. */
export async function ensureTokenFile(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).split('\n').map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'));
    if (existing !== undefined) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new TokenFileError(`cannot read the token file ${file}: ${(error as Error).message}`);
  }
  const token = newObserverToken();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return token;
}
