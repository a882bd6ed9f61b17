import type { BlockLimits } from '../encoding/codec.js';
import { CERTIFICATE_MAX_BYTES, deriveConsensusLimits } from '../limits.js';

export { CERTIFICATE_MAX_BYTES };

/** The chain's block limits (from genesis) as far as storing and reading blocks needs them. */
export interface StoreBlockLimits extends BlockLimits {
  readonly blockMaxBytes: number;
}

/**
 * Largest encoded block the store accepts and reads back: the limits table's encoded block
 * (blockMaxBytes of transactions, a length prefix per transaction, the header and the previous
 * block's certificate). Consensus enforces blockMaxBytes on what it proposes; refusing to read a
 * block consensus already decided would stall the node, so the table's margins are generous.
 */
export function storedBlockMaxBytes(limits: StoreBlockLimits): number {
  return deriveConsensusLimits(limits).encodedBlockMaxBytes;
}

/** A tx location is a CBOR pair of two integers: at most 19 bytes. */
export const TX_LOCATION_MAX_BYTES = 32;

/** Meta values are single integers. */
export const META_VALUE_MAX_BYTES = 16;

/** The signer's last-signed record: a slot, two hashes and a signature in CBOR, under 300 bytes. */
export const LAST_SIGNED_MAX_BYTES = 1024;

/**
 * An app snapshot is the whole application state; LevelDB copes badly with values far beyond
 * this, and an application that large needs chunked state sync instead.
 */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 1024 * 1024 * 1024;

/** A WAL entry may carry a whole proposed block: exactly what consensus decodes (the limits table). */
export function defaultWalEntryMaxBytes(limits: StoreBlockLimits): number {
  return deriveConsensusLimits(limits).walEntryMaxBytes;
}
