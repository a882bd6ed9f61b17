import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { assertTrafficOptions, TRAFFIC_DEFAULTS, TRAFFIC_LIMITS, type TrafficOptions } from './plan.js';

/**
 * The traffic generator's command line (commander): `tsx tools/src/traffic/cli.ts --endpoints
 * .devnet/endpoints.json [options]`, which `npm start` runs as one of its components. Parsing is
 * all this does.
 */

/** A commander parser of a whole number in [min, max] (the launcher's --periods and --records use it too). */
export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || parsed < min || parsed > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return parsed;
  };
}

function period(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('must be a period YYYY-MM');
  return value;
}

export function trafficProgram(repositoryRoot: string): Command {
  return new Command('traffic')
    .description('Realistic settlement traffic for a running local consortium: agreements, usage, statements with proofs, disputes, anomalies, period close and netting.')
    .option('--endpoints <file>', 'the consortium to drive (written by npm start)', resolve(repositoryRoot, '.devnet/endpoints.json'))
    .option('--periods <n>', 'periods to settle, each over already (the run ends with last month unless --first-period)', wholeNumber(1, TRAFFIC_LIMITS.periodsMax), TRAFFIC_DEFAULTS.periods)
    .option('--records <n>', 'usage records per direction (creditor -> debtor) per period', wholeNumber(1, TRAFFIC_LIMITS.recordsPerDirectionMax), TRAFFIC_DEFAULTS.recordsPerDirection)
    .option('--first-period <YYYY-MM>', 'the first period to settle', period)
    .option('--seed <text>', 'same seed, same members, same periods: the same requests', TRAFFIC_DEFAULTS.seed)
    .option('--dispute-one-in <n>', 'one statement in n is disputed, then resolved (0: none)', wholeNumber(0, TRAFFIC_LIMITS.disputeOneInMax), TRAFFIC_DEFAULTS.disputeOneIn)
    .option('--anomaly-every <n>', 'one anomalous direction every n periods (0: none)', wholeNumber(0, TRAFFIC_LIMITS.anomalyEveryMax), TRAFFIC_DEFAULTS.anomalyEvery)
    .option('--in-flight <n>', 'statements each creditor proves at once', wholeNumber(1, TRAFFIC_LIMITS.statementsInFlightMax), TRAFFIC_DEFAULTS.statementsInFlightPerCreditor)
    .exitOverride()
    .showHelpAfterError();
}

interface ParsedOptions {
  readonly endpoints: string;
  readonly periods: number;
  readonly records: number;
  readonly firstPeriod?: string;
  readonly seed: string;
  readonly disputeOneIn: number;
  readonly anomalyEvery: number;
  readonly inFlight: number;
}

/** Options from argv (process.argv form); commander throws CommanderError on bad input or --help. */
export function parseTrafficArgs(argv: readonly string[], repositoryRoot: string, cwd: string = process.cwd()): { readonly endpointsFile: string; readonly options: TrafficOptions } {
  const program = trafficProgram(repositoryRoot);
  program.parse(argv);
  const parsed = program.opts<ParsedOptions>();
  const options: TrafficOptions = {
    seed: parsed.seed,
    periods: parsed.periods,
    recordsPerDirection: parsed.records,
    disputeOneIn: parsed.disputeOneIn,
    anomalyEvery: parsed.anomalyEvery,
    statementsInFlightPerCreditor: parsed.inFlight,
    ...(parsed.firstPeriod === undefined ? {} : { firstPeriod: parsed.firstPeriod }),
  };
  assertTrafficOptions(options);
  return { endpointsFile: resolve(cwd, parsed.endpoints), options };
}
