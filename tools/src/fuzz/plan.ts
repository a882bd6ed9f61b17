import { Command, InvalidArgumentError } from 'commander';
import type { FuzzTarget } from './target.js';

/** What `npm run fuzz` was asked to do: which targets, how many inputs each, from which seed. */
export interface FuzzPlan {
  readonly targets: readonly FuzzTarget[];
  readonly runs: number;
  readonly seed: number;
  /** fast-check's counterexample path: replays one failure (with --seed and a single --target). */
  readonly path: string | undefined;
}

/** The bar: every target takes at least this many inputs in a full run. */
export const DEFAULT_RUNS = 100_000;

const positiveInteger = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const seedOf = (value: string) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new InvalidArgumentError('must be an integer');
  return parsed;
};

export function parsePlan(argv: readonly string[], available: readonly FuzzTarget[], randomSeed: () => number = () => Date.now() % 2 ** 31): FuzzPlan {
  const names = available.map((target) => target.name);
  const program = new Command('fuzz')
    .description('Property-based fuzzing (fast-check) of every decoder and validator: each input is valid, or refused by the project\'s own error class.')
    .option('--runs <count>', 'inputs per target', positiveInteger, DEFAULT_RUNS)
    .option('--target <names>', `comma-separated targets (default: all): ${names.join(', ')}`)
    .option('--seed <seed>', 'the seed of every target (default: from the clock, printed)', seedOf)
    .option('--path <path>', "fast-check's counterexample path of a failure (with --seed and one --target)")
    .exitOverride()
    .parse([...argv], { from: 'user' });
  const options = program.opts<{ runs: number; target?: string; seed?: number; path?: string }>();
  const wanted = options.target === undefined ? names : options.target.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown target(s) ${unknown.join(', ')}; known: ${names.join(', ')}`);
  if (options.path !== undefined && wanted.length !== 1) throw new InvalidArgumentError('--path replays one failure: give one --target');
  return { targets: available.filter((target) => wanted.includes(target.name)), runs: options.runs, seed: options.seed ?? randomSeed(), path: options.path };
}
