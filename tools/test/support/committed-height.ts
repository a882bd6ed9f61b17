import { readFile } from 'node:fs/promises';
import { fetchJson } from '../../src/devnet/processes.js';
import type { DevnetEndpoints } from '../../src/launcher/endpoints.js';

/** A member's committed height from its API, with the observer token endpoints.json names (-1 while it does not answer). */
export async function committedHeight(member: DevnetEndpoints['members'][number]): Promise<number> {
  // endpoints.json says where each member's tokens are: a script reaches the API with them.
  const token = (await readFile(member.tokens.observer, 'utf8')).trim();
  const status = (await fetchJson(`${member.apiUrl}/v1/status`, { headers: { authorization: `Bearer ${token}` } })) as { consensus?: { committedHeight?: number } } | null;
  return status?.consensus?.committedHeight ?? -1;
}
