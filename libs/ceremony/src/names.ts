import { UnsafeNameError } from './errors.js';

/**
 * Names that become parts of file paths in a ceremony folder: circuit names
 * (`circuits/<circuit>.r1cs`, `phase2/<circuit>/...`, the keys folder's `<circuit>.zkey`) and
 * member ids (`signatures/<member>.json`, contribution files). They come from the plan, hence
 * from a transcript or a coordinator, or from a command line: checked where they are read
 * (validatePlan) and again where a path is made of them (ceremonyFolder). Letters, digits, '-'
 * and '_' only, so no `..`, slash, backslash, leading dot or NUL can reach a path; 64 like the
 * proof envelope's CIRCUIT_NAME_MAX_LENGTH.
 */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isPlainName(value: unknown): value is string {
  return typeof value === 'string' && PLAIN_NAME.test(value);
}

/** `value`, checked; UnsafeNameError naming `what` otherwise. */
export function plainName(what: string, value: string): string {
  if (!isPlainName(value)) throw new UnsafeNameError(what, String(value));
  return value;
}
