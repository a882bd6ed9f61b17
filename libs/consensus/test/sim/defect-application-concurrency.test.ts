import { describe, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

// Issue 7, "Consensus and P2P", defect "The application is called concurrently": the mempool's
// queue and consensus's queue share one application instance although application.ts promises
// it is never called concurrently. With calls that take (virtual) time, as real applications'
// do, a checkTx arrives while a block is being finalized.
const SLOW_APPLICATION: Scenario = { faults: ['slow-app'] };

const CASES: readonly Case[] = [
  { members: 4, seed: 1 },
  { members: 5, seed: 1 },
  { members: 7, seed: 1 },
];

describe('application calls that overlap (issue 7: the application is called concurrently)', () => {
  for (const scenarioCase of CASES) {
    const { members, seed } = scenarioCase;
    // Defect: "The application is called concurrently" (issue 7, Consensus and P2P). The run
    // failed on overlapping calls until the mempool and consensus shared one serial path to the
    // application; every invariant holds since (one run: the same seed gives the same run).
    it(`seed ${seed}, ${members} members: the application never gets a call while another is in flight`, async () => {
      expectEveryInvariant(await run(SLOW_APPLICATION, scenarioCase), replayLine(SLOW_APPLICATION, scenarioCase));
    });
  }

  // The rest holds with slow calls: only the overlap is the defect.
  it('keeps every other invariant with slow application calls', async () => {
    const scenario: Scenario = { ...SLOW_APPLICATION, options: { ignoreInvariants: ['app-concurrency'] } };
    for (const scenarioCase of CASES) expectEveryInvariant(await run(scenario, scenarioCase), replayLine(scenario, scenarioCase));
  });
});
