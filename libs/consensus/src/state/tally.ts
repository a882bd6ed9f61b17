import { toHex } from '../crypto/hash.js';
import type { MemberId } from '../genesis/types.js';
import type { Hash, SignedVote } from '../types.js';
import type { ValidatorSet } from '../validators.js';

/** Vote power of one round and type: in total, and per block (key: hex hash, or "nil"). */
export interface Tally {
  readonly totalPower: number;
  readonly powerByValue: ReadonlyMap<string, number>;
}

export const NIL = 'nil';

export function valueKey(blockHash: Hash | null): string {
  return blockHash === null ? NIL : toHex(blockHash);
}

/** Each validator's power counts once in the total, and once for each distinct value it voted. */
export function tally(votes: ReadonlyMap<MemberId, readonly SignedVote[]>, validators: ValidatorSet): Tally {
  let totalPower = 0;
  const powerByValue = new Map<string, number>();
  for (const [validator, ballots] of votes) {
    const power = validators.powerOf(validator);
    totalPower += power;
    for (const vote of ballots) {
      const key = valueKey(vote.blockHash);
      powerByValue.set(key, (powerByValue.get(key) ?? 0) + power);
    }
  }
  return { totalPower, powerByValue };
}

export function powerFor(t: Tally, blockHash: Hash | null): number {
  return t.powerByValue.get(valueKey(blockHash)) ?? 0;
}
