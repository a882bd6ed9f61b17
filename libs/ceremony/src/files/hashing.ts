import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** sha256 of a file's bytes as hex, streamed (ceremony files run to hundreds of MB). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every file under `dir` whose name ends in one of `extensions`, by its sha256: a ceremony
 * folder's files are found by the hashes the transcript names, whatever the members called them.
 */
export async function filesBySha256(dir: string, extensions: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !extensions.some((extension) => entry.name.endsWith(extension))) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(await sha256OfFile(path), path);
  }
  return found;
}
