// One vitest configuration for every package: each package's vitest.config.ts calls
// consortiumVitestConfig(import.meta.dirname). Unit and e2e suites are separate vitest
// projects so `npm test` stays fast and e2e (real processes, real LevelDB, real sockets)
// runs on its own target.
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Resolve workspace packages to their TypeScript sources, not to dist/. */
const sourceConditions = ['@consortium/source', ...defaultServerConditions];

export function consortiumVitestConfig(packageDir: string) {
  return defineConfig({
    root: packageDir,
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@consortium/source'] } },
    test: {
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
      ],
    },
  });
}
