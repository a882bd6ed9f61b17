import { describe, expect, it } from 'vitest';
import { expectEveryInvariant, replayLine, run, type Case, type Scenario } from './scenarios.js';

/**
 * Seeds the 10,000-seed run failed on (docs/reliability.md, "The command"), each with the
 * default faults and the run's 20 s fault phase, replayed as they ran. Each failed on liveness
 * before its fix, and each fails again without it.
 */
const SCENARIO: Scenario = { faults: ['equivocation'], options: { faultPhaseMs: 20_000 } };

interface LongRunSeed extends Case {
  readonly what: string;
  /** What shows the seed still reaches its situation, beyond every invariant holding. */
  readonly reaches?: (report: Awaited<ReturnType<typeof run>>) => void;
}

const SEEDS: readonly LongRunSeed[] = [
  // Two members crashed during partitions and restarted; each one's signing gate held its
  // routine at height 7 until members holding a quorum answered from that height. The two honest
  // members were at height 6 and needed block 6, which only the restarted two held; but the status
  // that would have told them (and backed it with a certificate) went out from the routine's
  // queue, behind the waiting gate (honest members at 6, 5 and 5 30 s after the heal). The status
  // now goes out from its timer, outside the routine.
  {
    members: 4,
    seed: 374,
    what: 'restarted members waiting at a height the others have not reached: the honest members hear of it and sync up',
    reaches: (report) => expect(report.crashes).toBeGreaterThanOrEqual(2),
  },
  // After 13 partitions, three honest members were in round 2's precommit step, waiting for a
  // fourth precommit; the fourth honest member had it (its own) and had moved on to round 3, where
  // it waited for them; the equivocator had fenced itself and signed nothing. Each relay of the
  // stalled height started from the top of the order, and the 16-frame budget ended before that
  // precommit (17th of 33): every honest member at height 4 30 s after the heal. A relay now sends
  // the head of the order, then goes on where the last one stopped.
  { members: 5, seed: 7827, what: 'a vote far down a stalled height relay order reaches the members waiting for it' },
  // Found once relays went on where they stopped. A member that had committed a height the others
  // had not crashed and restarted; its WAL replay at the next height signed, and the signature
  // waited at the restart gate for members holding a quorum to answer from that height. The
  // others were a height behind and needed the block only it held, but its status ticks started
  // only after the replay (honest members at 16, 17 and 16 30 s after the heal). The status ticks
  // now start once the head is loaded, before the replay.
  { members: 4, seed: 8322, what: 'a member restarted a height ahead, its replay waiting at the restart gate: the others hear of its height and sync up' },
  // Found when relays were passes alone (each message once a pass, the proofs of lock included).
  // A member restarted into a height stalled since round 0 held the equivocator's nil prevote of
  // round 0 but not its prevote for the value the others were locked on, nor the round's
  // proposal: it could never see their proof of lock, and prevoted nil on every re-proposal for
  // eleven rounds. Every relay now sends the head of the order (the proofs of lock among it).
  { members: 4, seed: 8580, what: 'a restarted member gets the proof of lock the others hold and the chain goes on' },
];

describe('seeds the 10,000-seed run failed on', () => {
  for (const testCase of SEEDS) {
    it(`seed ${testCase.seed}, ${testCase.members} members: ${testCase.what} (failed on liveness before)`, async () => {
      const report = await run(SCENARIO, testCase);
      expectEveryInvariant(report, replayLine(SCENARIO, testCase));
      testCase.reaches?.(report);
    });
  }
});
