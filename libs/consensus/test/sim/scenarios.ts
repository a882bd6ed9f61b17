import { expect } from 'vitest';
import { runSimulation, simulationOptionsFor, type FaultClass, type SimulationOptions, type SimulationReport } from '../../src/index.js';

/**
 * Shared by the fault-class suites: each runs a few seeds of one fault class (with the base
 * network, partitions and crashes around it), once per seed, and asserts on the report. A suite
 * for a defect issue 7 names has two tests per seed: one that held before the fix (the run fails, if at
 * all, only on the invariant the defect breaks: the simulator reaches it and nothing else broke),
 * and one that asks for every invariant (it was marked `it.fails` until the fix landed, and has
 * held since).
 */

/** The CI fault phase, as the seed suites use (members-N.test.ts). */
export const CI_FAULT_PHASE_MS = 6_000;
/** What surrounds every fault class in these suites. */
export const SURROUNDINGS: readonly FaultClass[] = ['network', 'partitions', 'crashes'];

export interface Scenario {
  readonly faults: readonly FaultClass[];
  /** Default SURROUNDINGS. */
  readonly surroundings?: readonly FaultClass[];
  readonly options?: Partial<SimulationOptions>;
}

export interface Case {
  readonly members: number;
  readonly seed: number;
}

function faultsOf(scenario: Scenario): FaultClass[] {
  return [...(scenario.surroundings ?? SURROUNDINGS), ...scenario.faults];
}

const reports = new Map<string, Promise<SimulationReport>>();

/** The report of one seed of a scenario, run once per test file however many tests read it. */
export function run(scenario: Scenario, { members, seed }: Case): Promise<SimulationReport> {
  const key = JSON.stringify([scenario, members, seed]);
  let report = reports.get(key);
  if (report === undefined) {
    report = runSimulation({ ...simulationOptionsFor(faultsOf(scenario)), faultPhaseMs: CI_FAULT_PHASE_MS, ...scenario.options, seed, members });
    reports.set(key, report);
  }
  return report;
}

/** How to replay a case from the command line. */
export function replayLine(scenario: Scenario, { members, seed }: Case): string {
  const ignore = scenario.options?.ignoreInvariants ?? [];
  return `npm run sim -- --seed ${seed} --members ${members} --faults ${faultsOf(scenario).join(',')} --fault-phase-ms ${scenario.options?.faultPhaseMs ?? CI_FAULT_PHASE_MS}${ignore.length > 0 ? ` --ignore ${ignore.join(',')}` : ''}`;
}

/** The run broke no invariant at all. */
export function expectEveryInvariant(report: SimulationReport, replay: string): void {
  expect(report.failure, `${report.invariant}: ${report.failure}\n  replay: ${replay}`).toBeNull();
}
