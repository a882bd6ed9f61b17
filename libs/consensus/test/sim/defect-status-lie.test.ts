import { describe, expect, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

// Issue 7, "Consensus and P2P", defect "Unsigned status messages": onStatus keeps the highest
// claimed height forever and maybeSync always picks that claimer; sync runs inside the
// consensus queue and drops votes and proposals, so a member that lies and never answers makes
// every honest node deaf. Here one member claims a far higher committed height, sends its
// status often, and answers sync requests never, with no blocks, or with garbage.
const LIAR: Scenario = { faults: ['lie-status'] };

/** Seeds that broke the defect's invariants before the fix: honest nodes stopped committing, or their task queue grew without bound. */
const FAILED_BEFORE_THE_FIX: readonly Case[] = [
  { members: 4, seed: 3 },
  { members: 4, seed: 4 },
  { members: 5, seed: 2 },
  { members: 7, seed: 2 },
];

describe('Byzantine status lie (issue 7: unsigned status messages, sync stall)', () => {
  for (const scenarioCase of FAILED_BEFORE_THE_FIX) {
    const { members, seed } = scenarioCase;
    // Defect: "Unsigned status messages" (issue 7, Consensus and P2P). The run failed on liveness
    // or the task-queue bound until sync picked backed claims, forgot failed ones and kept
    // consensus flowing while it synced; every invariant holds since (one run per seed).
    it(`seed ${seed}, ${members} members: the liar lies, honest nodes keep committing and their queues stay bounded`, async () => {
      const report = await run(LIAR, scenarioCase);
      expect(report.byzantineActions.statusLies).toBeGreaterThan(0);
      expectEveryInvariant(report, replayLine(LIAR, scenarioCase));
    });
  }
});
