import { describe, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

// Issue 11: "every transaction the API acknowledged is eventually committed exactly once" under
// crashes and partitions. A node acknowledged a client's transaction once its mempool took it
// and gossiped it once, 5 ms later, to the members connected then: a crash before the gossip
// lost it, and a member down or cut off never received it (so only its own node could propose
// it, and that node could be gone). Since: the store keeps it until its block commits (a
// restart admits it again), and members that connect later get it at the next status tick.
// The simulator checks it once the clients fell quiet (invariant acknowledged-lost).

const scenario: Scenario = { faults: [] };
const cases: readonly Case[] = [
  { members: 4, seed: 15 },
  { members: 5, seed: 6 },
  { members: 5, seed: 13 },
  { members: 7, seed: 53 },
];

describe('acknowledged transactions under crashes and partitions (issue 11)', () => {
  for (const scenarioCase of cases) {
    it(`seed ${scenarioCase.seed}, ${scenarioCase.members} members: every invariant holds (failed on acknowledged-lost before)`, async () => {
      expectEveryInvariant(await run(scenario, scenarioCase), replayLine(scenario, scenarioCase));
    });
  }
});
