import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { readUint32, readUint64, UINT32_BYTES, UINT64_BYTES, writeUint32, writeUint64 } from '../keys.js';
import { Repository } from '../repository.js';

/** A WAL entry's place: the height it belongs to and its append order within that height. */
export interface WalId {
  readonly height: number;
  readonly sequence: number;
}

/** Highest sequence a key can hold: 4 bytes, far more entries than one height ever logs. */
export const WAL_SEQUENCE_MAX = 0xffff_ffff;

/**
 * Opaque WAL entries keyed by (height, sequence), so one height's entries are one key range in
 * append order and pruning below a height is one range too. Entries sit behind a checksum: a
 * torn or damaged entry must stop the replay, not feed it garbage.
 */
export class WalRepository extends Repository<WalId, Uint8Array> {
  constructor(
    db: DbController,
    private readonly entryMaxBytes: number,
  ) {
    super(db, 'wal');
  }

  protected encodeId(id: WalId): Uint8Array {
    const bytes = new Uint8Array(UINT64_BYTES + UINT32_BYTES);
    writeUint64(bytes, 0, id.height);
    writeUint32(bytes, UINT64_BYTES, id.sequence);
    return bytes;
  }

  protected decodeId(bytes: Uint8Array): WalId {
    if (bytes.byteLength !== UINT64_BYTES + UINT32_BYTES) throw new Error(`a WAL id is ${UINT64_BYTES + UINT32_BYTES} bytes, got ${bytes.byteLength}`);
    return { height: readUint64(bytes, 0), sequence: readUint32(bytes, UINT64_BYTES) };
  }

  encodeValue(entry: Uint8Array): Uint8Array {
    if (entry.byteLength > this.entryMaxBytes) throw new UnstorableValueError(this.bucket, `WAL entry of ${entry.byteLength} bytes exceeds ${this.entryMaxBytes}`);
    return frameWithChecksum(entry);
  }

  protected decodeValue(bytes: Uint8Array): Uint8Array {
    return unframeWithChecksum(bytes, this.entryMaxBytes);
  }
}
