/**
 * Every test target `npm run test:all` runs, with its wall time in seconds on CI's 2-core machine
 * (a fresh-clone run, 2026-12-01 01:03; suites run two at a time). The times only order the queue
 * (longest first), so a suite a few seconds off changes nothing; one that grows by minutes
 * should get its new figure here (the run prints each task's time).
 */
export interface TestTask {
  /** What the run prints: package folder and target. */
  readonly name: string;
  /** The package folder, from the repository root. */
  readonly dir: string;
  /** The command, run in `dir`. */
  readonly command: readonly string[];
  readonly expectedSeconds: number;
  /** Uses the circuits and keys tools/src/test-prep makes (it would make them itself, holding a slot while it waits on their lock). */
  readonly needsArtifacts: boolean;
}

const npmScript = (dir: string, script: string, expectedSeconds: number, needsArtifacts: boolean): TestTask => ({
  name: `${dir} ${script}`,
  dir,
  command: ['npm', 'run', '--silent', script],
  expectedSeconds,
  needsArtifacts,
});

export const TEST_TASKS: readonly TestTask[] = [
  npmScript('tools', 'test:e2e', 463, true),
  npmScript('apps/node', 'test:e2e', 214, true),
  npmScript('libs/ceremony', 'test:e2e', 188, true),
  npmScript('libs/consensus', 'test:sim', 209, false),
  npmScript('apps/setup-cli', 'test:e2e', 135, true),
  npmScript('libs/zkp', 'test:e2e', 146, true),
  npmScript('apps/dashboard', 'test:e2e', 75, true),
  // The examples import the libraries' published form (dist/): Nx builds them first (dependsOn ^build).
  {
    name: 'tools/examples test test:e2e (after building the libraries)',
    dir: '.',
    command: ['npx', 'nx', 'run-many', '--skip-nx-cache', '--outputStyle=static', '--parallel=1', '-t', 'test', 'test:e2e', '-p', '@consortium/examples'],
    expectedSeconds: 135,
    needsArtifacts: true,
  },
  npmScript('libs/settlement', 'test:e2e', 40, true),
  npmScript('libs/p2p', 'test:e2e', 24, false),
  npmScript('circuits', 'test:e2e', 35, true),
  npmScript('tools', 'test', 31, true),
  npmScript('apps/dashboard', 'test', 18, true),
  npmScript('libs/zkp', 'test', 20, true),
  npmScript('apps/node', 'test', 17, true),
  npmScript('libs/consensus', 'test:e2e', 9, false),
  npmScript('libs/consensus', 'test', 16, false),
  npmScript('libs/telemetry', 'test:e2e', 9, false),
  npmScript('apps/setup-cli', 'test', 7, true),
  npmScript('libs/settlement', 'test', 8, true),
  npmScript('libs/ceremony', 'test', 5, true),
  npmScript('libs/p2p', 'test', 3, false),
  npmScript('libs/telemetry', 'test', 4, false),
  npmScript('libs/node-config', 'test', 4, false),
  npmScript('libs/node-config', 'test:e2e', 2, false),
  npmScript('circuits', 'test', 2, true),
];
