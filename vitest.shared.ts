// One vitest configuration for every package: each package's vitest.config.ts calls
// consortiumVitestConfig(import.meta.dirname). Unit, e2e and sim suites are separate vitest
// projects so `npm test` stays fast, and e2e (real processes, real LevelDB, real sockets) and
// sim (many seeds of the deterministic simulator) run on their own targets.
import { basename, join } from 'node:path';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Resolve workspace packages to their TypeScript sources, not to dist/. */
const sourceConditions = ['@consortium/source', ...defaultServerConditions];

/**
 * `npm run test:all` sets CONSORTIUM_TEST_RESULTS_DIR; each vitest run then also writes a JSON
 * report there (one file per run), which tools/src/test-summary reads to print the totals.
 */
function reporting(packageDir: string) {
  const resultsDir = process.env.CONSORTIUM_TEST_RESULTS_DIR;
  if (!resultsDir) return {};
  const file = `${basename(packageDir)}-${process.pid}-${Date.now()}.json`;
  return { reporters: ['default', 'json'], outputFile: { json: join(resultsDir, file) } };
}

export function consortiumVitestConfig(packageDir: string) {
  return defineConfig({
    root: packageDir,
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@consortium/source'] } },
    test: {
      ...reporting(packageDir),
      passWithNoTests: true,
      // Tests that start servers or child processes clean up in afterAll hooks; a hang is a bug.
      teardownTimeout: 10_000,
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
        },
        {
          extends: true,
          test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
        },
        {
          // Deterministic simulations over many seeds: in-memory, but minutes of CPU.
          extends: true,
          test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 600_000 },
        },
      ],
    },
  });
}
