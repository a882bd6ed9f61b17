import { decodeCanonical } from '../../encoding/canonical.js';
import { blockFromCbor, blockToCbor } from '../../encoding/codec.js';
import type { Block } from '../../types.js';
import type { DbController } from '../controller/types.js';
import { storedBlockMaxBytes, type StoreBlockLimits } from '../limits.js';
import { HeightRepository } from '../repository.js';

/** Blocks by height, in the canonical CBOR of the codec (the same bytes block sync sends). */
export class BlockRepository extends HeightRepository<Block> {
  private readonly maxBytes: number;

  constructor(
    db: DbController,
    private readonly limits: StoreBlockLimits,
  ) {
    super(db, 'blocks');
    this.maxBytes = storedBlockMaxBytes(limits);
  }

  encodeValue(block: Block): Uint8Array {
    return this.encodeReadable(`block ${block.header.height}`, blockToCbor(block), (cbor) => blockFromCbor(cbor, this.limits), this.maxBytes);
  }

  protected decodeValue(bytes: Uint8Array, height: number): Block {
    const block = blockFromCbor(decodeCanonical(bytes, this.maxBytes, 'stored block'), this.limits);
    if (block.header.height !== height) throw new Error(`holds the block of height ${block.header.height}`);
    return block;
  }
}
