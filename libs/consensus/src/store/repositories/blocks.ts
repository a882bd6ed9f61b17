import { decodeCanonical, encodeCanonical } from '../../encoding/canonical.js';
import { blockFromCbor, blockToCbor } from '../../encoding/codec.js';
import type { Block } from '../../types.js';
import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { decodeHeightId, encodeHeightId } from '../keys.js';
import { storedBlockMaxBytes, type StoreBlockLimits } from '../limits.js';
import { Repository } from '../repository.js';

/** Blocks by height, in the canonical CBOR of the codec (the same bytes block sync sends). */
export class BlockRepository extends Repository<number, Block> {
  private readonly maxBytes: number;

  constructor(
    db: DbController,
    private readonly limits: StoreBlockLimits,
  ) {
    super(db, 'blocks');
    this.maxBytes = storedBlockMaxBytes(limits);
  }

  protected encodeId(height: number): Uint8Array {
    return encodeHeightId(height);
  }

  protected decodeId(bytes: Uint8Array): number {
    return decodeHeightId(bytes);
  }

  /** Refuses a block the reader would refuse: what is written must read back. */
  encodeValue(block: Block): Uint8Array {
    const cbor = blockToCbor(block);
    try {
      blockFromCbor(cbor, this.limits);
    } catch (error) {
      throw new UnstorableValueError(this.bucket, `block ${block.header.height}: ${(error as Error).message}`, { cause: error });
    }
    const bytes = encodeCanonical(cbor);
    if (bytes.byteLength > this.maxBytes) throw new UnstorableValueError(this.bucket, `block ${block.header.height} encodes to ${bytes.byteLength} bytes, above ${this.maxBytes}`);
    return bytes;
  }

  protected decodeValue(bytes: Uint8Array, height: number): Block {
    const block = blockFromCbor(decodeCanonical(bytes, this.maxBytes, 'stored block'), this.limits);
    if (block.header.height !== height) throw new Error(`holds the block of height ${block.header.height}`);
    return block;
  }
}
