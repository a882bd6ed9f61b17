import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiTokensFileOf, issueApiToken, type ApiClientRecord } from './api-tokens.js';
import type { ApiRole } from './schema.js';

/**
 * A member node's three standard clients (operator of the member, observer, admin), for a devnet
 * or a first installation: the tokens file node.json names (hashes only) and one file per token
 * (the secret, 0600) for whoever hands them out, e.g. `npm start`'s endpoints.json.
 *
 *   <dir>/api-tokens.json            { format, clients: [{ client, role, member?, sha256 }] }
 *   <dir>/tokens/<role>.token        cst_...
 */

export const MEMBER_TOKENS_FILE = 'api-tokens.json';
export const MEMBER_TOKEN_DIR = 'tokens';

export interface MemberApiTokens {
  /** The tokens file to name in node.json (`http.tokensFile`). */
  readonly tokensFile: string;
  /** Where each role's token is, by role. */
  readonly tokenFiles: Readonly<Record<ApiRole, string>>;
  /** The tokens themselves, by role (shown once: keep them out of logs). */
  readonly tokens: Readonly<Record<ApiRole, string>>;
  readonly records: readonly ApiClientRecord[];
}

const ROLES: readonly ApiRole[] = ['operator', 'observer', 'admin'];

export interface MemberApiTokensOptions {
  /** When the three tokens expire (ISO 8601 with its zone); without it they do not. */
  readonly expiresAt?: string;
}

export async function writeMemberApiTokens(dir: string, memberId: string, options: MemberApiTokensOptions = {}): Promise<MemberApiTokens> {
  const expiry = options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt };
  const issued = ROLES.map((role) => ({ role, ...issueApiToken({ client: `${memberId}-${role}`, role, ...(role === 'operator' ? { member: memberId } : {}), ...expiry }) }));
  await mkdir(join(dir, MEMBER_TOKEN_DIR), { recursive: true, mode: 0o700 });
  const tokenFiles = Object.fromEntries(ROLES.map((role) => [role, join(dir, MEMBER_TOKEN_DIR, `${role}.token`)])) as Record<ApiRole, string>;
  for (const { role, token } of issued) await writeFile(tokenFiles[role], `${token}\n`, { mode: 0o600 });
  const tokensFile = join(dir, MEMBER_TOKENS_FILE);
  const records = issued.map(({ record }) => record);
  await writeFile(tokensFile, `${JSON.stringify(apiTokensFileOf(records), null, 2)}\n`, { mode: 0o600 });
  return { tokensFile, tokenFiles, tokens: Object.fromEntries(issued.map(({ role, token }) => [role, token])) as Record<ApiRole, string>, records };
}
