import { resolve } from 'node:path';
import { MAX_MEMBERS } from '@consortium/consensus';
import { Command, InvalidArgumentError } from 'commander';
import { wholeNumber } from '../traffic/options.js';
import { TRAFFIC_DEFAULTS, TRAFFIC_LIMITS } from '../traffic/plan.js';
import type { LaunchOptions } from './launch.js';

/**
 * `npm start -- [options]`: the launcher's command line (commander). Parsing is all this does;
 * paths come back absolute.
 */

/** The devnet's circuit: settlement-61, the smallest production batch (2^12 domain; figures in docs/benchmarks.md). */
export const DEFAULT_DEVNET_CIRCUITS = 'settlement-61';
export const FOUNDING_MEMBERS = 5;

function memberCount(value: string): number {
  const count = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || count < 1 || count > MAX_MEMBERS) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_MEMBERS}`);
  return count;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || parsed < 1024 || parsed > 65_000) throw new InvalidArgumentError('must be a port from 1024 to 65000');
  return parsed;
}

export function launcherProgram(repositoryRoot: string): Command {
  return new Command('npm start --')
    .description(
      'The local consortium: demo ZKP keys (INSECURE, made once and reused), member keys and genesis, one node per member on ' +
        '127.0.0.1 and a traffic generator settling whole periods, until Ctrl-C. Prints what runs where and writes <dir>/endpoints.json.',
    )
    .option('--members <n>', `members of the consortium (1 to ${MAX_MEMBERS}; the founding five first)`, memberCount, FOUNDING_MEMBERS)
    .option('--dir <dir>', 'the devnet folder (keys, genesis, node data and logs)', resolve(repositoryRoot, '.devnet'))
    .option('--keys <dir>', 'the demo keys folder (default: <dir>/keys); made when missing or stale, reused otherwise')
    .option('--circuits <names>', 'circuits to make keys for, comma-separated (consortium-setup ceremony demo --circuits)', DEFAULT_DEVNET_CIRCUITS)
    .option('--fresh', 'new member keys and genesis: a new chain (demo keys are still reused; --ceremony runs a new ceremony)')
    .option('--ceremony', "ZKP keys from a real multi-party ceremony among the member processes over libp2p (each contributes and attests; <dir>/ceremony), instead of the INSECURE demo's; reused while genesis pins them")
    .option('--base-port <port>', 'first p2p port (HTTP APIs on + 100); default: 26600 when free, else a free one', port)
    .option('--no-traffic', 'start the consortium without the traffic generator')
    .option('--no-dashboard', 'start the consortium without the dashboard (apps/dashboard, http://127.0.0.1:4800 when free)')
    .option('--periods <n>', 'periods the traffic generator settles (ending with last month; its log: <dir>/traffic.log)', wholeNumber(1, TRAFFIC_LIMITS.periodsMax), TRAFFIC_DEFAULTS.periods)
    .option('--records <n>', 'usage records per direction (creditor -> debtor) and period', wholeNumber(1, TRAFFIC_LIMITS.recordsPerDirectionMax), TRAFFIC_DEFAULTS.recordsPerDirection)
    .exitOverride()
    .showHelpAfterError();
}

interface ParsedOptions {
  readonly members: number;
  readonly dir: string;
  readonly keys?: string;
  readonly circuits: string;
  readonly fresh?: boolean;
  readonly ceremony?: boolean;
  readonly basePort?: number;
  readonly traffic: boolean;
  readonly dashboard: boolean;
  readonly periods: number;
  readonly records: number;
}

/** Options from argv (process.argv form); commander throws CommanderError on bad input or --help. */
export function parseLauncherArgs(argv: readonly string[], repositoryRoot: string, cwd: string = process.cwd()): LaunchOptions {
  const program = launcherProgram(repositoryRoot);
  program.parse(argv);
  const parsed = program.opts<ParsedOptions>();
  const dir = resolve(cwd, parsed.dir);
  return {
    members: parsed.members,
    dir,
    keysDir: parsed.keys === undefined ? resolve(dir, 'keys') : resolve(cwd, parsed.keys),
    circuits: parsed.circuits.split(',').map((name) => name.trim()).filter((name) => name !== ''),
    fresh: parsed.fresh === true,
    ...(parsed.ceremony === true ? { ceremony: true } : {}),
    ...(parsed.basePort === undefined ? {} : { basePort: parsed.basePort }),
    traffic: parsed.traffic ? { periods: parsed.periods, recordsPerDirection: parsed.records } : null,
    // Absent means started: the dashboard is on unless --no-dashboard.
    ...(parsed.dashboard ? {} : { dashboard: false }),
  };
}
