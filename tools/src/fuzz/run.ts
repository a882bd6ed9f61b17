import fc from 'fast-check';
import { FuzzPropertyError, type FuzzInput, type FuzzTarget, type Verdict } from './target.js';

/**
 * Runs one target: `runs` inputs from its arbitrary, seeded, each checked through the target's
 * entry point. Besides the target's own rules, every input must leave no unhandled rejection and
 * no uncaught exception behind (checked after the event loop turns once) and must finish within
 * the per-input time limit. A failure is shrunk by fast-check and reported with the seed and path
 * that replay it.
 */

export interface RunOptions {
  readonly runs: number;
  readonly seed: number;
  /** fast-check's counterexample path, to replay one failure. */
  readonly path?: string;
  /** A hang is a failure: an input that takes longer than this. */
  readonly inputTimeoutMs?: number;
  /** Called every `progressEvery` inputs with how many ran so far. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface TargetReport {
  readonly target: string;
  readonly inputs: number;
  readonly valid: number;
  /** Refused inputs by error class (or refusal code). */
  readonly refused: Readonly<Record<string, number>>;
  /** By origin: how many inputs were random, mutated or valid. */
  readonly origins: Readonly<Record<string, number>>;
  readonly seconds: number;
  readonly failure: FuzzFailure | null;
}

export interface FuzzFailure {
  readonly seed: number;
  readonly path: string | null;
  readonly message: string;
  /** The shrunk input, described. */
  readonly counterexample: string;
}

const DEFAULT_INPUT_TIMEOUT_MS = 20_000;

/** Errors nobody handled while the inputs ran: each fails the input during which it surfaced. */
class StrayErrors {
  private readonly seen: unknown[] = [];
  private readonly onRejection = (reason: unknown) => this.seen.push(reason);
  private readonly onException = (error: unknown) => this.seen.push(error);

  install(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
  }

  uninstall(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
  }

  /** Lets the event loop turn once (rejections are reported after the microtask queue drains), then fails on any. */
  async check(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const first = this.seen.splice(0)[0];
    if (first === undefined) return;
    const described = first instanceof Error ? `${first.name}: ${first.message}` : fc.stringify(first);
    throw new FuzzPropertyError(`an unhandled rejection or uncaught exception: ${described}`, { cause: first });
  }
}

function describeInput(input: unknown): string {
  let text: string;
  try {
    text = fc.stringify(input);
  } catch {
    // a hostile nesting deeper than the stack: replay it with --seed and --path instead
    return '(nested too deeply to print)';
  }
  return text.length > 2_000 ? `${text.slice(0, 2_000)}… (${text.length} characters)` : text;
}

export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<TargetReport> {
  const started = performance.now();
  const session = await target.open();
  const refused: Record<string, number> = {};
  const origins: Record<string, number> = {};
  let valid = 0;
  let inputs = 0;
  const stray = new StrayErrors();
  const every = options.progressEvery ?? 1_000;
  const property = fc.asyncProperty(session.inputs, async (input: FuzzInput<unknown>) => {
    const verdict: Verdict = await session.check(input);
    await stray.check();
    if (input.origin === 'valid' && verdict.outcome !== 'valid') throw new FuzzPropertyError(`a valid input was refused (${verdict.refusal})`);
    inputs += 1;
    origins[input.origin] = (origins[input.origin] ?? 0) + 1;
    if (verdict.outcome === 'valid') valid += 1;
    else refused[verdict.refusal] = (refused[verdict.refusal] ?? 0) + 1;
    if (inputs % every === 0) options.onProgress?.(inputs);
  });
  stray.install();
  let details: fc.RunDetails<unknown>;
  try {
    details = await fc.check(property, {
      numRuns: options.runs,
      seed: options.seed,
      ...(options.path === undefined ? {} : { path: options.path }),
      plugins: [fc.timeout(options.inputTimeoutMs ?? DEFAULT_INPUT_TIMEOUT_MS)],
    });
  } finally {
    stray.uninstall();
    await session.close();
  }
  const failure: FuzzFailure | null = details.failed
    ? {
        seed: details.seed,
        path: details.counterexamplePath,
        message: describeFailure(details.errorInstance),
        counterexample: details.counterexample === null ? '(none)' : describeInput((details.counterexample as [FuzzInput<unknown>])[0]),
      }
    : null;
  return { target: target.name, inputs, valid, refused, origins, seconds: (performance.now() - started) / 1000, failure };
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `\n  caused by ${error.cause.stack ?? error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}
