import { describe, expect, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Scenario } from './scenarios.js';

// Found by the 10,000-seed run (docs/reliability.md): seed 374 of 4 members with the default
// faults. Two members crashed during partitions and restarted; each one's signing gate held its
// routine at height 7 until members holding a quorum answered from that height. The two honest
// members were at height 6 and needed block 6, which only the restarted two held; but the status
// that would have told them (and backed it with a certificate) went out from the routine's
// queue, behind the waiting gate. Nobody moved for the rest of the run (liveness: 30 s after the
// heal, honest members at 6, 5 and 5). The status now goes out from its timer, outside the
// routine.
const SCENARIO: Scenario = { faults: ['equivocation'], options: { faultPhaseMs: 20_000 } };
const CASE = { members: 4, seed: 374 };

describe('restarted members waiting at a height the others have not reached', () => {
  it('seed 374, 4 members: the honest members hear of it, sync up, and the chain goes on (failed on liveness before)', async () => {
    const report = await run(SCENARIO, CASE);
    expectEveryInvariant(report, replayLine(SCENARIO, CASE));
    expect(report.crashes).toBeGreaterThanOrEqual(2);
  });
});
