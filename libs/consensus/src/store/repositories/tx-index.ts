import { HASH_BYTES } from '../../crypto/hash.js';
import { decodeCanonical, encodeCanonical } from '../../encoding/canonical.js';
import type { DbController } from '../controller/types.js';
import { StoreArgumentError } from '../errors.js';
import { TX_LOCATION_MAX_BYTES } from '../limits.js';
import { Repository } from '../repository.js';

/** Where a committed transaction sits: its block's height and its position in the block. */
export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

/** Transaction hash (sha256, 32 bytes) to the location of its first commit. */
export class TxIndexRepository extends Repository<Uint8Array, TxLocation> {
  constructor(db: DbController) {
    super(db, 'tx_index');
  }

  protected encodeId(txHash: Uint8Array): Uint8Array {
    if (txHash.byteLength !== HASH_BYTES) throw new StoreArgumentError(`a tx hash is ${HASH_BYTES} bytes, got ${txHash.byteLength}`);
    return txHash;
  }

  protected decodeId(bytes: Uint8Array): Uint8Array {
    if (bytes.byteLength !== HASH_BYTES) throw new Error(`a tx hash is ${HASH_BYTES} bytes, got ${bytes.byteLength}`);
    return bytes;
  }

  encodeValue(location: TxLocation): Uint8Array {
    return encodeCanonical([location.height, location.index]);
  }

  protected decodeValue(bytes: Uint8Array): TxLocation {
    const value = decodeCanonical(bytes, TX_LOCATION_MAX_BYTES, 'stored tx location');
    if (!Array.isArray(value) || value.length !== 2) throw new Error('tx location must be a pair');
    const [height, index] = value as unknown[];
    if (!Number.isSafeInteger(height) || (height as number) < 1) throw new Error('tx location height must be a positive integer');
    if (!Number.isSafeInteger(index) || (index as number) < 0) throw new Error('tx location index must be a non-negative integer');
    return { height: height as number, index: index as number };
  }
}
