import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, LIBRARIES, REPOSITORY_ROOT, missingBuilds } from '../support/workspace.ts';

/**
 * The built libraries as an operator's tool loads them: plain Node 24, no `--conditions`, so
 * every `@consortium/*` import resolves through the exports map to dist/. A child process
 * imports each entry and reports where every import of the workspace resolved.
 */

interface Resolution {
  readonly specifier: string;
  readonly parent: string | null;
  readonly url: string;
}
interface ImportReport {
  readonly packages: Record<string, { url: string; exports: string[] }>;
  readonly resolutions: Resolution[];
}

const run = promisify(execFile);
const IMPORT_SCRIPT = join(import.meta.dirname, '../fixtures/import-dist.mjs');
const repositoryUrl = pathToFileURL(REPOSITORY_ROOT).href;
const relative = (url: string) => (url.startsWith(repositoryUrl) ? url.slice(repositoryUrl.length + 1) : url);

let report: ImportReport;

beforeAll(async () => {
  const missing = missingBuilds();
  if (missing.length > 0) throw new Error(`${missing.join('; ')}: ${BUILD_HINT}`);
  // No NODE_OPTIONS: vitest's own loader settings must not reach the child.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const { stdout } = await run(process.execPath, [IMPORT_SCRIPT, ...LIBRARIES.map((l) => l.name)], { cwd: REPOSITORY_ROOT, env, timeout: 120_000 });
  report = JSON.parse(stdout) as ImportReport;
}, 180_000);

describe('each library imported from dist/ by plain Node (no --conditions)', () => {
  it.each(LIBRARIES.map((l) => [l.name, l] as const))('%s resolves to its dist entry and exports its public names', (name, library) => {
    const loaded = report.packages[name];
    expect(loaded, `${name} was not imported`).toBeDefined();
    expect(relative(loaded!.url)).toBe(`${library.dir}/dist/index.js`);
    for (const exported of library.exports) expect(loaded!.exports, `${name} exports ${exported}`).toContain(exported);
    // A library whose entry exports nothing yet must still load, exporting nothing.
    if ((library.exports as readonly string[]).length === 0) expect(loaded!.exports).toEqual([]);
  });

  it('every import of a workspace package, from any file, resolves to a dist/ entry by package name', () => {
    const workspaceImports = report.resolutions.filter((r) => r.specifier.startsWith('@consortium/'));
    // settlement alone imports consensus, zkp, p2p, telemetry and circuits from many files
    expect(workspaceImports.length).toBeGreaterThan(LIBRARIES.length);
    const entries = new Set(LIBRARIES.map((l) => `${l.dir}/dist/index.js`));
    const wrong = workspaceImports.filter((r) => !entries.has(relative(r.url))).map((r) => `${r.specifier} -> ${relative(r.url)} (from ${relative(r.parent ?? '')})`);
    expect(wrong).toEqual([]);
  });

  it('no file of src/ and no TypeScript file is loaded; a file of one package imports another only by its name', () => {
    const loaded = report.resolutions.map((r) => ({ ...r, path: relative(r.url) }));
    expect(loaded.filter((r) => /(^|\/)src\//.test(r.path) || r.path.endsWith('.ts')).map((r) => r.path)).toEqual([]);
    const packageOf = (path: string) => LIBRARIES.find((l) => path.startsWith(`${l.dir}/`))?.dir ?? null;
    const crossing = loaded.filter((r) => {
      if (r.parent === null || r.specifier.startsWith('@consortium/') || !r.specifier.startsWith('.')) return false;
      return packageOf(relative(r.parent)) !== packageOf(r.path);
    });
    expect(crossing.map((r) => `${relative(r.parent!)} -> ${r.specifier}`)).toEqual([]);
  });
});

describe('package.json of each library', () => {
  it.each(LIBRARIES.filter((l) => l.dir.startsWith('libs/')).map((l) => [l.name, l] as const))('%s: source condition first, then types and default in dist; dist is what it ships', (_name, library) => {
    const manifest = JSON.parse(readFileSync(join(REPOSITORY_ROOT, library.dir, 'package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
      types?: string;
      files?: string[];
    };
    const entry = manifest.exports['.']!;
    expect(Object.keys(entry)).toEqual(['@consortium/source', 'types', 'default']);
    expect(entry).toEqual({ '@consortium/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(manifest.files).toEqual(['dist']);
    // the declarations the exports map promises exist
    const dir = join(REPOSITORY_ROOT, library.dir);
    expect(existsSync(join(dir, 'dist/index.d.ts'))).toBe(true);
    // src/ is not shipped: the source maps carry the sources they point to
    const map = JSON.parse(readFileSync(join(dir, 'dist/index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent?.length).toBe(map.sources.length);
    expect(map.sourcesContent![0]).toBe(readFileSync(join(dir, 'src/index.ts'), 'utf8'));
  });

  it('the zkp dist carries the prover worker its pool starts (plain JavaScript, copied by its build)', () => {
    const worker = join(REPOSITORY_ROOT, 'libs/zkp/dist/prover/prover-worker.js');
    expect(existsSync(worker)).toBe(true);
    expect(readFileSync(worker, 'utf8')).toBe(readFileSync(join(REPOSITORY_ROOT, 'libs/zkp/src/prover/prover-worker.js'), 'utf8'));
    expect(fileURLToPath(new URL('./prover-worker.js', pathToFileURL(join(REPOSITORY_ROOT, 'libs/zkp/dist/prover/pool.js'))))).toBe(worker);
  });
});
