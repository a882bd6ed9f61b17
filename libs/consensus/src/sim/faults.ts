import type { ByzantineBehaviourName } from './byzantine.js';
import { DEFAULT_SIMULATION, type SimulationOptions } from './simulation.js';

/**
 * The simulator's fault classes by name, as `npm run sim -- --faults a,b` and the tests select
 * them, and the simulation options each one sets. The first four are what the simulator did
 * before issue 7 (its default); the others reach the defects issue 7 names.
 */

export const FAULT_CLASSES = [
  /** Loss, duplication, delay and reordering of frames. */
  'network',
  'partitions',
  /** Processes die between events and restart from their stores. */
  'crashes',
  /** One member equivocates on a share of its proposals and votes. */
  'equivocation',
  /** Processes die in the middle of operations (after a synced WAL write, after execution, ...). */
  'mid-op-crashes',
  /** Store writes fail as on a full disk; reads fail while a node starts. */
  'disk-faults',
  /** Application calls take virtual time (an overlap between two is then a real one). */
  'slow-app',
  /** Members' clocks are offset (up to 2 s) and drift (up to 5 % fast or slow at times): rounds time out at different local times. */
  'clock-skew',
  /** Synced writes take long (1 ms to 2 s, one in fifty over a round timeout), queued in order. */
  'slow-disk',
  /** An honest member is restarted from a copy of its store taken heights earlier: an old WAL and last-signed record (a restored backup). */
  'old-copy-restore',
  /** Clients send bursts of large transactions to one node. */
  'tx-bursts',
  /** A client sends tens of thousands of tiny transactions: blocks with the most per-transaction overhead. */
  'tiny-txs',
  /** Clients fill every block; a node that fell behind must catch up by block sync (chain limits scaled 1/16, the transport's caps follow). */
  'full-blocks',
  // Byzantine members (one at n = 4 and 5, up to f at 7; more than one class: a random mix per member)
  'lie-status',
  'flood-far-rounds',
  'tamper-proposals',
  'malformed-frames',
  'flood-equivocations',
  'flood-txs',
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** What `npm run sim` and the seed suites ran before issue 7. */
export const BASE_FAULTS: readonly FaultClass[] = ['network', 'partitions', 'crashes', 'equivocation'];
/** Workloads that cost seconds per run: left out of "all", selected by name. */
export const HEAVY_FAULTS: readonly FaultClass[] = ['tiny-txs', 'full-blocks'];

const BYZANTINE_CLASSES: Readonly<Partial<Record<FaultClass, ByzantineBehaviourName>>> = {
  equivocation: 'equivocate',
  'lie-status': 'lie-status',
  'flood-far-rounds': 'flood-far-rounds',
  'tamper-proposals': 'tamper-proposals',
  'malformed-frames': 'malformed-frames',
  'flood-equivocations': 'flood-equivocations',
  'flood-txs': 'flood-txs',
};

const KiB = 1024;
const MiB = 1024 * KiB;

/** Parses "a,b,c", "none", "base", "all" (every class but the heavy ones) or "everything". */
export function parseFaultClasses(list: string): FaultClass[] {
  const chosen = new Set<FaultClass>();
  for (const name of list.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    for (const fault of expand(name)) chosen.add(fault);
  }
  return FAULT_CLASSES.filter((fault) => chosen.has(fault));
}

function expand(name: string): readonly FaultClass[] {
  switch (name) {
    case 'none':
      return [];
    case 'base':
      return BASE_FAULTS;
    case 'all':
      return FAULT_CLASSES.filter((fault) => !HEAVY_FAULTS.includes(fault));
    case 'everything':
      return FAULT_CLASSES;
    default:
      if ((FAULT_CLASSES as readonly string[]).includes(name)) return [name as FaultClass];
      throw new UnknownFaultClassError(name);
  }
}

export class UnknownFaultClassError extends Error {
  override readonly name = 'UnknownFaultClassError';
  constructor(readonly faultClass: string) {
    super(`unknown fault class "${faultClass}"; known: ${FAULT_CLASSES.join(', ')}, or none, base, all, everything`);
  }
}

/** The options of a run with exactly these fault classes (and DEFAULT_SIMULATION's phases). */
export function simulationOptionsFor(classes: readonly FaultClass[], base: Omit<SimulationOptions, 'seed' | 'members'> = DEFAULT_SIMULATION): Omit<SimulationOptions, 'seed' | 'members'> {
  const has = (fault: FaultClass) => classes.includes(fault);
  const behaviours = classes.map((fault) => BYZANTINE_CLASSES[fault]).filter((name): name is ByzantineBehaviourName => name !== undefined);
  let options: Omit<SimulationOptions, 'seed' | 'members'> = {
    ...base,
    network: has('network') ? DEFAULT_SIMULATION.network : { ...DEFAULT_SIMULATION.network, lossProbability: 0, duplicateProbability: 0 },
    partitions: has('partitions'),
    crashes: has('crashes'),
    byzantine: false,
    byzantineBehaviours: behaviours,
    byzantineSubsets: behaviours.length > 1,
    midOperationCrashes: has('mid-op-crashes'),
    diskFaults: has('disk-faults'),
    slowApplication: has('slow-app'),
    txBursts: has('tx-bursts'),
    clockSkew: has('clock-skew'),
    slowDisk: has('slow-disk'),
    oldCopyRestores: has('old-copy-restore'),
  };
  if (has('flood-txs')) {
    // Small blocks and pool: a flood fills the pool at a few hundred transactions per tick.
    options = { ...options, consensusParams: { ...options.consensusParams, blockMaxTxs: 200 }, mempool: { maxTxs: 2_000, maxBytes: 2 * MiB } };
  }
  if (has('tiny-txs')) {
    options = { ...options, tinyTxFlood: 44_000, consensusParams: { ...options.consensusParams, blockMaxTxs: 50_000 }, mempool: { maxTxs: 50_000, maxBytes: 8 * MiB } };
  }
  if (has('full-blocks')) {
    // The default chain limits (4 MiB blocks, 64 KiB transactions) / 16; the transport's caps and
    // rates follow from them as on a real chain.
    options = {
      ...options,
      fullBlocks: true,
      // Long enough to fall a dozen full blocks behind: more than one sync response can carry.
      laggardMs: 8_000,
      consensusParams: { ...options.consensusParams, blockMaxBytes: 256 * KiB, txMaxBytes: 4 * KiB, blockMaxTxs: 10_000 },
      // A pool of eight full blocks, and a shorter wait after the heal: each refused sync costs a
      // full response's reading and encoding, and a healthy catch-up takes a few seconds.
      mempool: { maxTxs: 10_000, maxBytes: 2 * MiB },
      livenessBoundMs: 10_000,
    };
  }
  return options;
}
