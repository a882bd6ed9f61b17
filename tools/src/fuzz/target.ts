import type fc from 'fast-check';

/**
 * What a fuzz target is: a decoder or validator of the project driven through its real entry
 * point with hostile input. Every input ends in one of two verdicts: a valid value, or a refusal
 * by one of the project's own error classes (named by the target). Anything else (a TypeError,
 * a generic Error, an unhandled rejection, a hang, a 500) breaks the property and fails the run.
 */

/** Where an input came from: fully random, a mutation of a valid encoding, or a valid encoding itself. */
export type InputOrigin = 'random' | 'mutated' | 'valid';

export interface FuzzInput<T> {
  readonly origin: InputOrigin;
  readonly value: T;
}

/** `refused` names the error class (or the refusal code) the input was refused with. */
export type Verdict = { readonly outcome: 'valid' } | { readonly outcome: 'refused'; readonly refusal: string };

export const VALID: Verdict = Object.freeze({ outcome: 'valid' });

/** What one run of a target drives: built once (keys, a node, a server), closed at the end. */
export interface FuzzSession<T> {
  readonly inputs: fc.Arbitrary<FuzzInput<T>>;
  /** One input through the entry point; throws FuzzPropertyError when a rule of the target is broken. */
  check(input: FuzzInput<T>): Verdict | Promise<Verdict>;
  close(): Promise<void>;
}

export interface FuzzTarget<T = unknown> {
  readonly name: string;
  /** One line: the entry point driven and what a refusal must look like. */
  readonly description: string;
  open(): Promise<FuzzSession<T>>;
}

/** A rule of a target broken by one input: the run fails and prints the seed and path that replay it. */
export class FuzzPropertyError extends Error {
  override readonly name = 'FuzzPropertyError';
}

/** An error class the project defines; refusals are matched by class, never by message. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The verdict of an error thrown by a decoder: a refusal when it is an instance of one of the
 * target's classes, otherwise a broken property (the error is kept as the cause, with its stack).
 */
export function refusalOf(error: unknown, allowed: readonly ErrorClass[], what: string): Verdict {
  if (allowed.some((errorClass) => error instanceof errorClass)) return { outcome: 'refused', refusal: (error as Error).name };
  const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  throw new FuzzPropertyError(`${what} threw ${described}, not one of ${allowed.map((c) => c.name).join(', ')}`, { cause: error });
}

/** Checks of a decoder's outcome: of the value it returned, or of the error it was refused with. */
export interface OutcomeChecks<V> {
  readonly onValue?: (value: V) => void;
  readonly onRefusal?: (error: Error) => void;
}

/** Runs a synchronous decoder: its value goes to `onValue`, a throw becomes the refusal verdict (after `onRefusal`). */
export function decodeWith<V>(decode: () => V, allowed: readonly ErrorClass[], what: string, checks: OutcomeChecks<V> = {}): Verdict {
  let value: V;
  try {
    value = decode();
  } catch (error) {
    const verdict = refusalOf(error, allowed, what);
    checks.onRefusal?.(error as Error);
    return verdict;
  }
  checks.onValue?.(value);
  return VALID;
}

/** Fails the input when `condition` is false. */
export function expectThat(condition: boolean, problem: string): void {
  if (!condition) throw new FuzzPropertyError(problem);
}
