import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIBRARIES, REPOSITORY_ROOT } from '../support/workspace.ts';

/**
 * Each library's README documents its public API in a "## Public API" section, true to its entry
 * (src/index.ts): every name the entry exports at run time is named there. (Type-only exports
 * leave no trace at run time; the sections name them too, unchecked.) A name added to an entry
 * without a word in its README fails here, with the names to document.
 */

function publicApiSection(readme: string): string | null {
  const start = readme.indexOf('\n## Public API');
  if (start < 0) return null;
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

const libraries = LIBRARIES.filter((l) => l.dir.startsWith('libs/'));

describe('the "Public API" section of each library\'s README', () => {
  it.each(libraries.map((l) => [l.name, l] as const))('%s names every export of its entry', async (name, library) => {
    const readmePath = join(REPOSITORY_ROOT, library.dir, 'README.md');
    const section = publicApiSection(readFileSync(readmePath, 'utf8'));
    expect(section, `${library.dir}/README.md has no "## Public API" section`).not.toBeNull();
    // vitest resolves workspace packages to their sources: these are src/index.ts's exports
    const entry = (await import(name)) as Record<string, unknown>;
    const undocumented = Object.keys(entry).filter((exported) => !new RegExp(`\\b${exported}\\b`).test(section!));
    expect(undocumented, `document these exports of ${library.dir}/src/index.ts in ${library.dir}/README.md's "Public API"`).toEqual([]);
  });
});
