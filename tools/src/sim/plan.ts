import { Command, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import {
  DEFAULT_SIMULATION,
  FAULT_CLASSES,
  INVARIANT_KINDS,
  parseFaultClasses,
  simulationOptionsFor,
  type FaultClass,
  type InvariantKind,
  type SimulationOptions,
} from '@consortium/consensus';

/** What `npm run sim` was asked to do: which runs, with which faults, on how many threads. */
export interface SimPlan {
  readonly seeds: readonly number[];
  readonly memberCounts: readonly number[];
  readonly faults: readonly FaultClass[];
  /** The options of every run but its seed and member count. */
  readonly options: Omit<SimulationOptions, 'seed' | 'members'>;
  readonly jobs: number;
  readonly verbose: boolean;
  /** The flags that reproduce this plan's runs, for the replay line of a failure. */
  readonly replayFlags: string;
}

const positiveInteger = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const byzantineCount = (value: string): number | 'f' => (value === 'f' ? 'f' : positiveInteger(value));

const faultList = (value: string) => {
  try {
    return parseFaultClasses(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const invariantList = (value: string): InvariantKind[] => {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(INVARIANT_KINDS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown invariant(s) ${unknown.join(', ')}; known: ${INVARIANT_KINDS.join(', ')}`);
  return names as InvariantKind[];
};

export function parsePlan(argv: readonly string[]): SimPlan {
  const program = new Command('sim')
    .description('Deterministic simulation of the BFT consensus over seeds: faults, crashes, partitions, Byzantine members.')
    .option('--seeds <count>', 'how many seeds to run', positiveInteger, 20)
    .option('--start <seed>', 'first seed of the range', positiveInteger, 1)
    .option('--seed <seed>', 'run (replay) this one seed only', positiveInteger)
    .option('--members <list>', 'member counts, comma-separated (each seed runs with each)', '4,5,7')
    .option('--faults <list>', `fault classes, comma-separated: ${FAULT_CLASSES.join(', ')}; or base (the default), all (all but tiny-txs and full-blocks), everything`, faultList, parseFaultClasses('base'))
    .option('--fault-phase-ms <ms>', 'virtual time with faults before the heal', positiveInteger, DEFAULT_SIMULATION.faultPhaseMs)
    .option('--ignore <invariants>', `invariants not checked: ${INVARIANT_KINDS.join(', ')}`, invariantList, [])
    .option('--no-byzantine', 'leave out every Byzantine class (the equivocator included)')
    .option('--byzantine-members <count>', 'Byzantine members per run: a number (at most f) or "f"', byzantineCount, 1)
    .option('--jobs <count>', 'runs in parallel (worker threads)', positiveInteger, Math.max(1, availableParallelism() - 1))
    .option('--verbose', 'print every run, not only failures')
    .parse([...argv], { from: 'user' });
  const raw = program.opts<{
    seeds: number;
    start: number;
    seed?: number;
    members: string;
    faults: FaultClass[];
    faultPhaseMs: number;
    ignore: InvariantKind[];
    byzantine: boolean;
    byzantineMembers: number | 'f';
    jobs: number;
    verbose?: boolean;
  }>();
  const byzantineClasses: readonly FaultClass[] = ['equivocation', 'lie-status', 'flood-far-rounds', 'tamper-proposals', 'malformed-frames', 'flood-equivocations', 'flood-txs'];
  const faults = raw.byzantine ? raw.faults : raw.faults.filter((fault) => !byzantineClasses.includes(fault));
  const options = { ...simulationOptionsFor(faults), faultPhaseMs: raw.faultPhaseMs, ignoreInvariants: raw.ignore, byzantineMembers: raw.byzantineMembers };
  const replayFlags = [
    `--faults ${faults.join(',') || 'none'}`,
    `--fault-phase-ms ${raw.faultPhaseMs}`,
    ...(raw.byzantineMembers !== 1 ? [`--byzantine-members ${raw.byzantineMembers}`] : []),
    ...(raw.ignore.length > 0 ? [`--ignore ${raw.ignore.join(',')}`] : []),
  ].join(' ');
  return {
    seeds: raw.seed !== undefined ? [raw.seed] : Array.from({ length: raw.seeds }, (_, i) => raw.start + i),
    memberCounts: raw.members.split(',').map((value) => positiveInteger(value.trim())),
    faults,
    options,
    jobs: raw.jobs,
    verbose: raw.verbose === true || raw.seed !== undefined,
    replayFlags,
  };
}
