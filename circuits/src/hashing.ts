import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface FileEntry {
  /** Relative to the folder of the manifest that lists it. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** SHA-256 of a file, streamed: proving keys reach hundreds of megabytes. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileEntry(absolutePath: string, relativePath: string): Promise<FileEntry> {
  const [sha256, info] = await Promise.all([sha256File(absolutePath), stat(absolutePath)]);
  return { path: relativePath, sha256, bytes: info.size };
}
