import { createHash } from 'node:crypto';

/**
 * Seeded decisions of the traffic generator (who proposes, which statement is disputed, which
 * period carries an anomaly): each one a draw of its own, sha256 over the seed and the names of
 * what is decided, so one decision never shifts another and a run replays from its seed alone.
 * Integers only (a probability is "1 in n"), so every engine draws the same.
 */

/** A 32-bit draw for `parts` under `seed`. */
export function drawUint32(seed: string, ...parts: readonly (string | number)[]): number {
  return createHash('sha256').update(JSON.stringify([seed, ...parts]), 'utf8').digest().readUInt32BE(0);
}

/** An index in [0, size), drawn for `parts` (the modulo bias of 2^32 is irrelevant at these sizes). */
export function drawIndex(size: number, seed: string, ...parts: readonly (string | number)[]): number {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`cannot draw from ${size} choices`);
  return drawUint32(seed, ...parts) % size;
}

/** True with probability 1 / `oneIn` (0: never; 1: always). */
export function drawOneIn(oneIn: number, seed: string, ...parts: readonly (string | number)[]): boolean {
  if (oneIn === 0) return false;
  return drawIndex(oneIn, seed, ...parts) === 0;
}
