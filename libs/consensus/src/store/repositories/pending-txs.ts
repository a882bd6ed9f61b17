import { txHash } from '../../block.js';
import { HASH_BYTES } from '../../crypto/hash.js';
import { bytesEqual } from '../../encoding/canonical.js';
import type { DbController } from '../controller/types.js';
import { StoreArgumentError, UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { Repository } from '../repository.js';

/**
 * Client transactions the node acknowledged and no block has committed yet, by hash (sha256,
 * 32 bytes), each behind a checksum. They outlive the process so that an acknowledged
 * transaction survives a crash: a restart admits them to the mempool again. A block's commit
 * deletes its transactions in the batch that stores it.
 */
export class PendingTxRepository extends Repository<Uint8Array, Uint8Array> {
  constructor(
    db: DbController,
    private readonly txMaxBytes: number,
  ) {
    super(db, 'pending_txs');
  }

  protected encodeId(hash: Uint8Array): Uint8Array {
    if (hash.byteLength !== HASH_BYTES) throw new StoreArgumentError(`a tx hash is ${HASH_BYTES} bytes, got ${hash.byteLength}`);
    return hash;
  }

  protected decodeId(bytes: Uint8Array): Uint8Array {
    if (bytes.byteLength !== HASH_BYTES) throw new Error(`a tx hash is ${HASH_BYTES} bytes, got ${bytes.byteLength}`);
    return bytes;
  }

  /** Refuses what the mempool would refuse too: an empty transaction, or one above the chain's txMaxBytes. */
  encodeValue(tx: Uint8Array): Uint8Array {
    if (tx.byteLength === 0) throw new UnstorableValueError(this.bucket, 'an empty transaction');
    if (tx.byteLength > this.txMaxBytes) throw new UnstorableValueError(this.bucket, `a transaction of ${tx.byteLength} bytes exceeds txMaxBytes ${this.txMaxBytes}`);
    return frameWithChecksum(tx);
  }

  /** The key is the value's hash, checked again where it is read. */
  protected decodeValue(bytes: Uint8Array, hash: Uint8Array): Uint8Array {
    const tx = unframeWithChecksum(bytes, this.txMaxBytes);
    if (tx.byteLength === 0) throw new Error('holds an empty transaction');
    if (!bytesEqual(txHash(tx), hash)) throw new Error('holds a transaction of another hash');
    return tx;
  }
}
