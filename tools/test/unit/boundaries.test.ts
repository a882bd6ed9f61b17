import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBoundaries } from '../../src/boundaries/check.js';
import { allowedDependencies } from '../../src/boundaries/layers.js';

const repositoryRoot = resolve(import.meta.dirname, '../../..');

/** A throw-away workspace shaped like the repository, with workspace links in node_modules. */
async function writeWorkspace(root: string, files: Record<string, string>, packages: string[]) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await mkdir(join(root, 'node_modules/@consortium'), { recursive: true });
  for (const dir of packages) {
    const name = dir.split('/').at(-1)!;
    const manifest = { name: `@consortium/${name}`, type: 'module', exports: { '.': { '@consortium/source': './src/index.ts' } } };
    await writeFile(join(root, dir, 'package.json'), JSON.stringify(manifest));
    await symlink(join(root, dir), join(root, 'node_modules/@consortium', name));
  }
}

describe('boundary check', () => {
  // Cruises every source file of the repository: about 5 s on a quiet machine, 12 s and more
  // on a busy one, so it gets a bound of its own instead of the unit suite's 10 s.
  it('passes on the repository as it is', async () => {
    expect(await checkBoundaries(repositoryRoot)).toEqual([]);
  }, 120_000);

  it('allows each layer only the layers below it', () => {
    expect(allowedDependencies('libs/telemetry')).toEqual([]);
    expect(allowedDependencies('libs/consensus').sort()).toEqual(['circuits', 'libs/telemetry']);
    expect(allowedDependencies('libs/node-config').sort()).toEqual(['circuits', 'libs/telemetry']);
    expect(allowedDependencies('libs/settlement').sort()).toEqual(['circuits', 'libs/consensus', 'libs/node-config', 'libs/p2p', 'libs/telemetry', 'libs/zkp']);
    expect(allowedDependencies('apps/node')).not.toContain('apps/dashboard');
    expect(() => allowedDependencies('libs/unknown')).toThrow(/not in LAYER_OF_PACKAGE/);
  });

  describe('on a fixture with forbidden imports', () => {
    let fixture: string;
    beforeAll(async () => {
      fixture = await mkdtemp(join(tmpdir(), 'boundaries-'));
      await writeWorkspace(
        fixture,
        {
          // upward, by package name: telemetry must depend on nothing
          'libs/telemetry/src/index.ts': "import { settle } from '@consortium/settlement';\nexport const t = settle;\n",
          // sideways: consensus must know nothing of p2p
          'libs/consensus/src/index.ts': "import { dial } from '@consortium/p2p';\nexport const c = dial;\n",
          // relative path into another package
          'libs/p2p/src/index.ts': "import { c } from '../../consensus/src/index.ts';\nexport const dial = c;\n",
          // a metric outside the telemetry catalogue
          'libs/settlement/src/index.ts': "import { Counter } from 'prom-client';\nexport const settle = Counter;\n",
          // an app from a lib, and a deep import past a package entry
          'libs/zkp/src/index.ts': "import { x } from '@consortium/node';\nimport { y } from '@consortium/p2p/src/index.ts';\nexport const z = [x, y];\n",
          'apps/node/src/index.ts': "import { settle } from '@consortium/settlement';\nexport const x = settle;\n",
          'node_modules/prom-client/package.json': JSON.stringify({ name: 'prom-client', main: 'index.js' }),
          'node_modules/prom-client/index.js': 'export class Counter {}\n',
        },
        ['libs/telemetry', 'libs/consensus', 'libs/p2p', 'libs/settlement', 'libs/zkp', 'apps/node'],
      );
    });
    afterAll(async () => rm(fixture, { recursive: true, force: true }));

    it('fails, naming each forbidden import and its rule', async () => {
      const found = (await checkBoundaries(fixture)).map((v) => `${v.rule}: ${v.from} -> ${v.to}`).sort();
      expect(found).toEqual([
        'layers:libs/consensus: libs/consensus/src/index.ts -> libs/p2p/src/index.ts',
        'layers:libs/p2p: libs/p2p/src/index.ts -> libs/consensus/src/index.ts',
        'layers:libs/telemetry: libs/telemetry/src/index.ts -> libs/settlement/src/index.ts',
        'layers:libs/zkp: libs/zkp/src/index.ts -> apps/node/src/index.ts',
        'no-relative-import-across-packages: libs/p2p/src/index.ts -> libs/consensus/src/index.ts',
        'no-unresolvable: libs/zkp/src/index.ts -> @consortium/p2p/src/index.ts',
        'telemetry-owns-metrics: libs/settlement/src/index.ts -> node_modules/prom-client/index.js',
      ]);
    }, 60_000);
  });
});
