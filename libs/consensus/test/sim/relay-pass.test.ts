import { describe, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Scenario } from './scenarios.js';

// Found by the 10,000-seed run (docs/reliability.md): seed 7827 of 5 members with the default
// faults. After 13 partitions, three honest members were in round 2's precommit step, waiting
// for a fourth precommit; the fourth honest member had it (its own) and had moved on to round 3,
// where it waited for them; the equivocator had fenced itself (its honest signer sees its
// transport's second signatures) and signed nothing. The fourth relayed the stalled height every
// few seconds, but each relay started from the top of the order and the 16-frame budget ended
// before its round-2 precommit (18th). Nobody moved for the rest of the run (liveness: 30 s
// after the heal, every honest member at height 4). A relay now goes on where the last stopped.
const SCENARIO: Scenario = { faults: ['equivocation'], options: { faultPhaseMs: 20_000 } };
const CASE = { members: 5, seed: 7827 };

describe('a vote far down a stalled height relay order', () => {
  it('seed 7827, 5 members: reaches the members waiting for it, and the chain goes on (failed on liveness before)', async () => {
    const report = await run(SCENARIO, CASE);
    expectEveryInvariant(report, replayLine(SCENARIO, CASE));
  });
});
