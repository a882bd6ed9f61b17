import { describe, expect, it } from 'vitest';
import { parseFaultClasses, runSimulation, simulationOptionsFor } from '../../src/index.js';
import { CI_FAULT_PHASE_MS } from './scenarios.js';

/** Run on past today's defects, so the replay covers a whole run rather than stopping at the first. */
const INVARIANTS_TO_RUN_PAST = [
  'liveness',
  'process-crash',
  'frame-over-cap',
  'honest-penalised',
  'wal-bound',
  'proposal-poisoned',
  'task-queue-bound',
  'future-buffer-bound',
  'mempool-quota',
  'bad-input-unreported',
  'fatal-continued',
  'app-concurrency',
] as const;

// Every fault class draws from the run's one seeded random source and virtual time only: a
// seed replays exactly, with all of them on at once.
describe('the simulator with every fault class', () => {
  it('replays a seed exactly, and another seed differs', async () => {
    const options = { ...simulationOptionsFor(parseFaultClasses('all')), faultPhaseMs: 3_000, livenessBoundMs: 5_000, ignoreInvariants: [...INVARIANTS_TO_RUN_PAST] };
    const first = await runSimulation({ ...options, seed: 11, members: 4 });
    const second = await runSimulation({ ...options, seed: 11, members: 4 });
    expect(second).toEqual(first);
    expect(Object.keys(first.byzantine)).toHaveLength(1);
    const other = await runSimulation({ ...options, seed: 12, members: 4 });
    expect(other.digest).not.toBe(first.digest);
  });

  it('makes up to f members Byzantine when asked', async () => {
    const report = await runSimulation({ ...simulationOptionsFor(parseFaultClasses('network,malformed-frames,equivocation')), faultPhaseMs: CI_FAULT_PHASE_MS, byzantineMembers: 'f', seed: 3, members: 7 });
    expect(Object.keys(report.byzantine)).toHaveLength(2);
    expect(report.failure).toBeNull();
  });
});

