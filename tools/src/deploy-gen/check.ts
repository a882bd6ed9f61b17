import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedFile } from './generated-file.js';

/** Generated files whose committed copy is missing or differs, by path. */
export async function staleFiles(rootDir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  const stale: string[] = [];
  for (const file of files) {
    const actual = await readFile(join(rootDir, file.path), 'utf8').catch(() => null);
    if (actual !== file.content) stale.push(file.path);
  }
  return stale;
}

/** Two generators writing one path would overwrite each other: refused. */
export function findDuplicatePaths(files: readonly GeneratedFile[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { path } of files) {
    if (seen.has(path)) duplicates.add(path);
    seen.add(path);
  }
  return [...duplicates];
}
