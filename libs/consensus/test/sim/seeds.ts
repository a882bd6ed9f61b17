import { expect, it } from 'vitest';
import { DEFAULT_SIMULATION, runSimulation } from '../../src/index.js';

/**
 * CI's share of the simulator: SIM_SEEDS seeds (default 4) per member count, each with a
 * shorter fault phase than `npm run sim` uses. A failure names the seed and how to replay it.
 * The sweeps that find rare failures are `npm run sim -- --seeds 1000` (docs/benchmarks.md);
 * 4 keeps CI under 20 minutes (100 took four minutes of it, docs/decisions.md).
 */
export const CI_SIMULATION = { ...DEFAULT_SIMULATION, faultPhaseMs: 6_000 };
const seeds = Number(process.env.SIM_SEEDS ?? 4);

export function itRunsSeeds(members: number): void {
  it(`keeps agreement, validity and liveness over ${seeds} seeds with ${members} members`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const report = await runSimulation({ ...CI_SIMULATION, seed, members });
      if (!report.ok) failures.push(`seed ${seed}: ${report.failure} (replay: npm run sim -- --seed ${seed} --members ${members} --fault-phase-ms ${CI_SIMULATION.faultPhaseMs})`);
    }
    expect(failures).toEqual([]);
  });
}
