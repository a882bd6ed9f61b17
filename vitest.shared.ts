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
          // Unit tests take milliseconds; the few that run a whole simulation take a second when
          // quiet and ten times that on a loaded machine. The bound only catches hangs.
          // Files share one module graph per worker (isolate: false): unit tests keep no global
          // state between files, and re-importing the sources for each file was most of the
          // time (apps/node's unit suite: 23.7 s isolated, 6.0 s shared).
          test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000, isolate: false },
        },
        {
          extends: true,
          // Real processes and sockets on a machine that may be busy (CI shares 2 cores): a test
          // that takes 15 s when quiet has taken two minutes there. The bound only catches hangs;
          // waits inside the tests have their own deadlines and say what they saw.
          // One module graph per suite here too (isolate: false), as in unit: e2e files import
          // the same heavy graph (libp2p, snarkjs, the apps), and importing it again for each
          // file cost about 90 s of a fresh clone's CI; each file stops its processes in its hooks.
          test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, isolate: false },
        },
        {
          // Deterministic simulations over many seeds: in-memory, but minutes of CPU.
          extends: true,
          // (members-7 took 87 s beside other work, and over 600 s on an overloaded machine.)
          test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 1_800_000 },
        },
      ],
    },
  });
}
