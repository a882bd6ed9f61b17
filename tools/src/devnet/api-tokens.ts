import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The API roles a devnet member's tokens are issued for (ApiRole of @consortium/node-config). */
export type ApiTokenRole = 'operator' | 'observer' | 'admin';

/**
 * Where `consortium-setup devnet` puts a member's bearer token for `role`
 * (writeMemberApiTokens of @consortium/node-config: <member>/tokens/<role>.token).
 */
export function apiTokenFile(devnetDir: string, memberId: string, role: ApiTokenRole): string {
  return join(devnetDir, memberId, 'tokens', `${role}.token`);
}

/** The member's token for `role`, read from its token file. */
export async function readApiToken(devnetDir: string, memberId: string, role: ApiTokenRole): Promise<string> {
  return (await readFile(apiTokenFile(devnetDir, memberId, role), 'utf8')).trim();
}
