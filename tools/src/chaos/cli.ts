// `npm run chaos -- --scenario kill-restart --members 5 --cycles 20`: fault injection on a real
// devnet of node processes (tools/src/chaos): a key-value devnet, and for invalid-proofs a
// settlement devnet with the keys of --keys (one after the other). Prints each fault as it is injected, then the
// run's report (what was injected, what was checked, figures); `--report FILE` appends it to a
// Markdown file (docs/reliability.md). A broken invariant exits 1 and keeps the devnet folder.
import { appendFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { invalidProofs } from './byzantine-invalid-proofs.js';
import { byzantine } from './byzantine.js';
import { ChaosDevnet } from './chaos-devnet.js';
import { killRestart } from './kill-restart.js';
import { partitions, PHASES, type PhaseName } from './partitions.js';
import { renderReport, type ScenarioReport } from './report.js';
import { storageFaults } from './storage.js';

const SCENARIOS = ['kill-restart', 'partitions', 'byzantine', 'storage', 'invalid-proofs'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Scenarios that need settlement statements run on a devnet of their own, with the trusted setup's keys. */
const SETTLEMENT_SCENARIOS: readonly Scenario[] = ['invalid-proofs'];
/** The keys the test preparation writes (npm run test:prep): settlement-4, four records a proof. */
const DEFAULT_KEYS_DIR = resolve(import.meta.dirname, '../../../build/devnet-test-keys/settlement-4');

const positiveInteger = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const phaseList = (value: string): PhaseName[] => {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown phase(s) ${unknown.join(', ')}; known: ${PHASES.join(', ')}`);
  return names as PhaseName[];
};

interface ChaosOptions {
  readonly scenario: 'all' | Scenario;
  readonly members: number;
  readonly cycles: number;
  readonly storageCycles: number;
  readonly repeat: number;
  readonly holdSeconds: number;
  readonly txPerSecond: number;
  readonly seed: string;
  readonly phases?: PhaseName[];
  readonly alerts: boolean;
  readonly keys: string;
  readonly records: number;
  readonly report?: string;
}

function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`;
}

async function main(): Promise<void> {
  const program = new Command('npm run chaos --')
    .description('Fault injection on a real devnet of node processes, every p2p path through a fault-injecting proxy, under steady load.')
    .addOption(new Option('--scenario <name>', 'what to inject').choices(['all', ...SCENARIOS]).default('all'))
    .option('--members <n>', 'members (node processes)', positiveInteger, 5)
    .option('--cycles <n>', 'kill-restart: kill -9 and restart this many times', positiveInteger, 20)
    .option('--storage-cycles <n>', 'storage: kill -9, damage the store (MANIFEST, signer record, log tail in turn), recover; this many times', positiveInteger, 6)
    .option('--repeat <n>', 'partitions: run every phase this many times', positiveInteger, 3)
    .option('--phases <list>', `partitions: the phases to run (${PHASES.join(', ')})`, phaseList)
    .option('--hold-seconds <s>', 'partitions and byzantine: how long each fault lasts', positiveInteger, 15)
    .option('--tx-per-second <n>', 'steady load on the API', positiveInteger, 50)
    .option('--seed <seed>', 'decides victims, partitions and losses; a run replays from it', `chaos-${Date.now()}`)
    .option('--no-alerts', 'run without Prometheus (no NodeDown checks)')
    .option('--keys <dir>', 'invalid-proofs: the settlement devnet\'s keys folder', DEFAULT_KEYS_DIR)
    .option('--records <n>', 'invalid-proofs: usage records per direction (settlement-4 proves four at a time)', positiveInteger, 8)
    .option('--report <file>', 'append the Markdown report to this file (docs/reliability.md)')
    .parse(['node', 'chaos', ...process.argv.slice(2)]);
  const options = program.opts<ChaosOptions>();
  const scenarios: readonly Scenario[] = options.scenario === 'all' ? SCENARIOS : [options.scenario];
  const log = (line: string) => console.log(`chaos: ${line}`);
  const runs = [
    { keysDir: undefined, scenarios: scenarios.filter((scenario) => !SETTLEMENT_SCENARIOS.includes(scenario)) },
    { keysDir: resolve(options.keys), scenarios: scenarios.filter((scenario) => SETTLEMENT_SCENARIOS.includes(scenario)) },
  ].filter((run) => run.scenarios.length > 0);
  const reports: ScenarioReport[] = [];
  let failed = false;
  // One devnet at a time: the key-value one, then the settlement one.
  for (const run of runs) {
    if (failed) break;
    log(`${options.members} members, seed ${options.seed}, scenarios ${run.scenarios.join(', ')}; starting the ${run.keysDir === undefined ? 'key-value' : 'settlement'} devnet`);
    const devnet = await ChaosDevnet.start({ members: options.members, seed: options.seed, alerts: options.alerts, ...(run.keysDir === undefined ? {} : { keysDir: run.keysDir }) });
    log(`devnet running in ${devnet.consortium.dir}`);
    try {
      for (const scenario of run.scenarios) {
        log(`scenario ${scenario}`);
        const holdMs = options.holdSeconds * 1_000;
        if (scenario === 'kill-restart') reports.push(await killRestart(devnet, { cycles: options.cycles, txPerSecond: options.txPerSecond, seed: options.seed }, log));
        else if (scenario === 'partitions') reports.push(await partitions(devnet, { seed: options.seed, txPerSecond: options.txPerSecond, holdMs, repeat: options.repeat, ...(options.phases === undefined ? {} : { phases: options.phases }) }, log));
        else if (scenario === 'storage') reports.push(await storageFaults(devnet, { cycles: options.storageCycles, txPerSecond: options.txPerSecond, seed: options.seed }, log));
        else if (scenario === 'invalid-proofs') reports.push(await invalidProofs(devnet, { seed: options.seed, keysDir: run.keysDir!, recordsPerDirection: options.records }, log));
        else reports.push(await byzantine(devnet, { seed: options.seed, txPerSecond: options.txPerSecond, holdMs }, log));
      }
    } catch (error) {
      failed = true;
      devnet.consortium.markFailed();
      console.error(`chaos: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`chaos: replay: npm run chaos -- --scenario ${options.scenario} --members ${options.members} --seed ${options.seed}`);
    } finally {
      await devnet.stop();
    }
  }
  const now = new Date();
  const rendered = reports.map((report) => renderReport(report, now, machine())).join('\n');
  if (rendered !== '') console.log(`\n${rendered}`);
  if (options.report !== undefined && rendered !== '' && !failed) {
    await appendFile(options.report, `\n${rendered}`);
    log(`report appended to ${options.report}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`chaos: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
