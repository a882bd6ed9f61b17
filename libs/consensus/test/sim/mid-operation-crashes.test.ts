import { describe, expect, it } from 'vitest';
import type { SimulationReport } from '../../src/index.js';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

// Processes that die in the middle of an operation and restart from what survived: after a
// synced WAL write and before the message went out, after the application executed a block and
// before the store had it, after the store had it and before the application committed, after
// the commit and before the snapshot, after the snapshot and before the WAL was pruned, and in
// the middle of a broadcast. Agreement, validity, no double sign over a validator's whole life and
// progress after the heal hold today; these guard them.
const MID_OPERATION: Scenario = { faults: ['equivocation', 'mid-op-crashes'] };

const CASES: readonly Case[] = [4, 5, 7].flatMap((members) => [1, 2, 3, 4].map((seed) => ({ members, seed })));

describe('crashes in the middle of an operation', () => {
  const reports: SimulationReport[] = [];
  for (const scenarioCase of CASES) {
    it(`seed ${scenarioCase.seed}, ${scenarioCase.members} members: every invariant holds`, async () => {
      const report = await run(MID_OPERATION, scenarioCase);
      reports.push(report);
      expectEveryInvariant(report, replayLine(MID_OPERATION, scenarioCase));
    });
  }

  it('reaches most crash points across these seeds', () => {
    const reached = new Set<string>();
    for (const report of reports) for (const [point, count] of Object.entries(report.crashPoints)) if (count > 0) reached.add(point);
    expect(reports).toHaveLength(CASES.length);
    expect(reached.size).toBeGreaterThanOrEqual(4);
  });
});
