import { encodeCanonical } from './encoding/canonical.js';
import { certificateToCbor, headerToCbor } from './encoding/codec.js';
import { genesisToJson } from './genesis/parse.js';
import { HASH_BYTES, sha256 } from './crypto/hash.js';
import type { Genesis } from './genesis/types.js';
import type { Block, BlockHeader, CommitCertificate, Hash } from './types.js';

export const ZERO_HASH: Hash = new Uint8Array(HASH_BYTES);

export function headerHash(header: BlockHeader): Hash {
  return sha256(encodeCanonical(headerToCbor(header)));
}

export function blockHash(block: Block): Hash {
  return headerHash(block.header);
}

/** Hash over the transactions' own hashes, in block order (no Merkle proofs are needed). */
export function txsHash(txs: readonly Uint8Array[]): Hash {
  return sha256(encodeCanonical(txs.map((tx) => sha256(tx))));
}

export function txHash(tx: Uint8Array): Hash {
  return sha256(tx);
}

export function certificateHash(certificate: CommitCertificate | null): Hash {
  return certificate === null ? ZERO_HASH : sha256(encodeCanonical(certificateToCbor(certificate)));
}

/** The hash that height 1 links to: every node must start from the same genesis. */
export function genesisHash(genesis: Genesis): Hash {
  return sha256(encodeCanonical(genesisToJson(genesis)));
}
