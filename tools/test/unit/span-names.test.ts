import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listCataloguedSpans } from '@consortium/telemetry';
import { describe, expect, it } from 'vitest';

/**
 * Every span a package starts by a literal name is in the span catalogue (docs/metrics.md lists
 * it for operators and the dashboard): a span named in code only is a span nobody can look up.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const SOURCES = ['libs', 'apps'];
const SPAN_START = /\.startSpan\(\s*'([^']+)'/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => /\/src\//.test(path) && !path.includes('node_modules'));
}

describe('span names', () => {
  it('started in the packages are all catalogued', async () => {
    const catalogued = new Set(listCataloguedSpans().map((span) => span.name));
    const started = new Map<string, string>();
    for (const top of SOURCES) {
      for (const file of await sourceFiles(join(ROOT, top))) {
        for (const [, name] of (await readFile(file, 'utf8')).matchAll(SPAN_START)) started.set(name!, file.slice(ROOT.length + 1));
      }
    }
    expect(started.size).toBeGreaterThan(10);
    expect([...started].filter(([name]) => !catalogued.has(name)).map(([name, file]) => `${name} (${file})`)).toEqual([]);
  });
});
