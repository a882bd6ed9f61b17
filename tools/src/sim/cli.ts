// `npm run sim -- --seeds N --members M`: runs the deterministic consensus simulator over N
// seeds; a failure prints its seed, and `--seed S` replays exactly that run.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SIMULATION, runSimulation, type SimulationReport } from '@consortium/consensus';

const positiveInteger = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const program = new Command('sim')
  .description('Deterministic simulation of the BFT consensus: faults, crashes, partitions, a Byzantine validator.')
  .option('--seeds <count>', 'how many seeds to run', positiveInteger, 20)
  .option('--start <seed>', 'first seed of the range', positiveInteger, 1)
  .option('--seed <seed>', 'run (replay) this one seed only', positiveInteger)
  .option('--members <list>', 'member counts, comma-separated (each seed runs with each)', '4,5,7')
  .option('--fault-phase-ms <ms>', 'virtual time with faults before the heal', positiveInteger, DEFAULT_SIMULATION.faultPhaseMs)
  .option('--no-byzantine', 'no equivocating validator')
  .option('--verbose', 'print every run, not only failures')
  .parse();

const options = program.opts<{ seeds: number; start: number; seed?: number; members: string; faultPhaseMs: number; byzantine: boolean; verbose?: boolean }>();
const memberCounts = options.members.split(',').map((value) => positiveInteger(value.trim()));
const seeds = options.seed !== undefined ? [options.seed] : Array.from({ length: options.seeds }, (_, i) => options.start + i);

const describe = (r: SimulationReport) =>
  `seed ${r.seed} members ${r.members}: height ${r.committedHeight} (heal at ${r.heightAtHeal}), ${r.events} events, ` +
  `${r.virtualTimeMs} ms virtual, ${r.crashes} crashes, ${r.partitions} partitions, ${r.equivocationsSent} equivocations, ` +
  `${r.committedTxs} txs, digest ${r.digest.slice(0, 12)}`;

const started = Date.now();
let failures = 0;
let runs = 0;
for (const seed of seeds) {
  for (const members of memberCounts) {
    const report = await runSimulation({ ...DEFAULT_SIMULATION, seed, members, faultPhaseMs: options.faultPhaseMs, byzantine: options.byzantine });
    runs += 1;
    if (!report.ok) {
      failures += 1;
      console.error(`FAIL ${describe(report)}\n  ${report.failure}\n  replay: npm run sim -- --seed ${seed} --members ${members}`);
    } else if (options.verbose || seeds.length === 1) {
      console.log(`ok   ${describe(report)}`);
    }
  }
}
const seconds = (Date.now() - started) / 1000;
console.log(`sim: ${runs} runs, ${failures} failed, ${seconds.toFixed(1)} s (${(seconds / runs).toFixed(2)} s per run)`);
process.exitCode = failures > 0 ? 1 : 0;
