import { sha256 } from '@consortium/consensus';
import { encodeSettlementCbor } from '../encoding/cbor.js';

/**
 * The app hash: a hash chain over each block's state writes,
 *   appHash(h) = sha256(canonical(["consortium/settlement/app-hash/v1", appHash(h-1), h, sha256(canonical(writes of h))]))
 * where the writes are the block's final record per key, sorted by key. It fingerprints the whole
 * state history deterministically at O(writes of the block) per block: nodes whose states ever
 * differed have different hashes from then on. It is not a Merkle root: it cannot prove one
 * record to a light client, which the consortium (every member runs a full node) does not need.
 * Height 0 chains the genesis writes from 32 zero bytes.
 */

const APP_HASH_DOMAIN = 'consortium/settlement/app-hash/v1';
export const GENESIS_PARENT_HASH = new Uint8Array(32);

/** `writes`: [key, value] with one entry per key, sorted by key. */
export function chainAppHash(previous: Uint8Array, height: number, writes: readonly (readonly [string, unknown])[]): Uint8Array {
  for (let i = 1; i < writes.length; i++) if (!(writes[i - 1]![0] < writes[i]![0])) throw new Error('app hash writes must be sorted by key, one per key');
  return sha256(encodeSettlementCbor([APP_HASH_DOMAIN, previous, height, sha256(encodeSettlementCbor(writes))]));
}

/** A block's writes as the app hash takes them: the last value per key, sorted by key. */
export function sortedWrites(writes: ReadonlyMap<string, unknown>): [string, unknown][] {
  return [...writes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
