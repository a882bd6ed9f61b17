import { describe, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Scenario } from './scenarios.js';

// Found by the 10,000-seed run (docs/reliability.md): seed 8322 of 4 members with the default
// faults, once relays went on where the last stopped (seed 7827). A member that had committed a
// height the others had not crashed and restarted; its WAL replay at the next height signed, and
// the signature waited at the restart gate for members holding a quorum to answer from that
// height. The others were a height behind and needed the block only it held, but its status
// ticks started only after the replay: nobody heard of its height for the rest of the run
// (liveness: 30 s after the heal, honest members at 16, 17 and 16). The status ticks now start
// once the head is loaded, before the replay.
const SCENARIO: Scenario = { faults: ['equivocation'], options: { faultPhaseMs: 20_000 } };
const CASE = { members: 4, seed: 8322 };

describe('a member restarted a height ahead of the others, its replay waiting at the restart gate', () => {
  it('seed 8322, 4 members: the others hear of its height, sync up to it, and the chain goes on (failed on liveness before)', async () => {
    const report = await run(SCENARIO, CASE);
    expectEveryInvariant(report, replayLine(SCENARIO, CASE));
  });
});
