import { describe, expect, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

// A member that sends random bytes, truncated CBOR, well-formed CBOR of the wrong shape, votes
// with bad signatures or unknown signers, and frames above the receivers' caps. Today's node
// refuses each, names and scores the sender, and keeps committing: these hold now and guard it.
const MALFORMED: Scenario = { faults: ['malformed-frames'] };

const CASES: readonly Case[] = [4, 5, 7].flatMap((members) => [1, 2].map((seed) => ({ members, seed })));

describe('malformed frames from a Byzantine member', () => {
  for (const scenarioCase of CASES) {
    it(`seed ${scenarioCase.seed}, ${scenarioCase.members} members: every invariant holds, and the sender is scored`, async () => {
      const report = await run(MALFORMED, scenarioCase);
      expectEveryInvariant(report, replayLine(MALFORMED, scenarioCase));
      expect(report.byzantineActions.malformedFrames).toBeGreaterThan(0);
      const [byzantine] = Object.keys(report.byzantine);
      const scoredTheSender = Object.keys(report.penaltiesBy).filter((key) => key.includes(`>${byzantine}:`));
      expect(scoredTheSender.length).toBeGreaterThan(0);
    });
  }
});
