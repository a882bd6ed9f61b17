import type { BlockLimits } from '../encoding/codec.js';

/** The chain's block limits (from genesis) as far as storing and reading blocks needs them. */
export interface StoreBlockLimits extends BlockLimits {
  readonly blockMaxBytes: number;
}

/**
 * Largest encoded block the store accepts and reads back. Consensus enforces blockMaxBytes on
 * what it proposes; the stored encoding adds the header (under 1 KiB: four hashes, two ids of at
 * most 64 characters), the previous block's certificate, and a CBOR length prefix per
 * transaction (at most 5 bytes). The margin is generous because refusing to read a block
 * consensus already decided would stall the node, while the limit only has to stop absurd sizes.
 */
export function storedBlockMaxBytes(limits: StoreBlockLimits): number {
  return limits.blockMaxBytes + limits.blockMaxTxs * 5 + CERTIFICATE_MAX_BYTES + 8 * 1024;
}

/**
 * A certificate holds at most 64 signatures (codec's MAX_CERTIFICATE_SIGNATURES), each a
 * validator id (at most 64 UTF-16 units, so at most 192 UTF-8 bytes) and 64 signature bytes with
 * their CBOR headers: under 17 KiB; 32 KiB leaves room without allowing nonsense.
 */
export const CERTIFICATE_MAX_BYTES = 32 * 1024;

/** A tx location is a CBOR pair of two integers: at most 19 bytes. */
export const TX_LOCATION_MAX_BYTES = 32;

/** Meta values are single integers. */
export const META_VALUE_MAX_BYTES = 16;

/**
 * An app snapshot is the whole application state; LevelDB copes badly with values far beyond
 * this, and an application that large needs chunked state sync instead.
 */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 1024 * 1024 * 1024;

/** A WAL entry may carry a whole proposed block with its signature and framing. */
export function defaultWalEntryMaxBytes(limits: StoreBlockLimits): number {
  return storedBlockMaxBytes(limits) + 64 * 1024;
}
