import { describe, expect, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

/**
 * The fault classes of issue 11, with the base network, partitions and crashes around them:
 * skewed and drifting clocks, a slow disk, and a member restored from an old copy of its store.
 * The last broke `double-sign` before the signer's stale-store fence and restart gate (seed 11 at
 * 4 members signed a second proposal at a height its key had proposed before the restore), and
 * `liveness` while two fenced members could sit out one height (seed 9 at 4 members, before the
 * simulator counted a fenced member as a fault). Seeds 30040, 30068 and 30198 broke `double-sign`
 * with the restart gate that waited for two status periods and a quorum's statuses: the restored
 * member signed at the chain's height before any peer showed it its earlier signature there (a
 * nil prevote nobody received, at 30040; a second proposal at 30068 and 30198). The gate now waits
 * for its peers' answers to "what do you hold of mine?" and sits its first height out while the
 * others can decide it (restart-gate.ts). Since relays go on where the last one stopped (relay.ts,
 * seed 7827), those three seeds run otherwise and restore nobody; seeds 86 (4 members, two
 * restores), 82 (5 members, two) and 92 (7 members, two) stand in for them: the sweep of seeds
 * 1-120 at 4, 5 and 7 members on that code, 360 runs, 107 of them with a restore, broke nothing.
 */

const CLOCK_SKEW: Scenario = { faults: ['clock-skew'] };
const SLOW_DISK: Scenario = { faults: ['slow-disk'] };
const OLD_COPY: Scenario = { faults: ['old-copy-restore'] };

function itHolds(scenario: Scenario, cases: readonly Case[], acted: (report: Awaited<ReturnType<typeof run>>) => void): void {
  for (const testCase of cases) {
    it(`seed ${testCase.seed}, ${testCase.members} members: the fault acts, and every invariant holds`, async () => {
      const report = await run(scenario, testCase);
      acted(report);
      expectEveryInvariant(report, replayLine(scenario, testCase));
    });
  }
}

describe('skewed and drifting clocks (issue 11)', () => {
  itHolds(
    CLOCK_SKEW,
    [
      { members: 4, seed: 1 },
      { members: 5, seed: 2 },
    ],
    (report) => expect(report.clockSpreadMs).toBeGreaterThan(0),
  );
});

describe('a slow disk (issue 11)', () => {
  itHolds(
    SLOW_DISK,
    [
      { members: 4, seed: 1 },
      { members: 5, seed: 2 },
    ],
    (report) => expect(report.writesOverRoundTimeout).toBeGreaterThan(0),
  );
});

describe('a member restored from an old copy of its store (issue 11)', () => {
  itHolds(
    OLD_COPY,
    [
      { members: 4, seed: 11 },
      { members: 4, seed: 9 },
      { members: 4, seed: 86 },
      { members: 5, seed: 82 },
      { members: 7, seed: 92 },
    ],
    (report) => {
      expect(report.oldCopyRestores).toBeGreaterThan(0);
      expect(report.staleStore.fencedSignatures).toBeGreaterThan(0);
    },
  );
});
