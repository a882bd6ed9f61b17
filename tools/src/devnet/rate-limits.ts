import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Lifts every member's API rate limits in a devnet's node.json files (before its nodes start):
 * for benchmarks and fault injection, whose load and checks must not be throttled. Consortium.start's
 * `beforeStart` takes it as it is.
 */
export async function raiseRateLimits(dir: string, memberIds: readonly string[]): Promise<void> {
  for (const member of memberIds) {
    const file = join(dir, member, 'node.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { http: Record<string, unknown> };
    config.http.rateLimits = { windowMs: 60_000, perRole: { anonymous: 1_000_000, observer: 1_000_000, operator: 1_000_000, admin: 1_000_000 } };
    await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  }
}
