import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { decodeHeightId, encodeHeightId } from '../keys.js';
import { Repository } from '../repository.js';

/** The application's full state after the block of each height: opaque bytes behind a checksum. */
export class SnapshotRepository extends Repository<number, Uint8Array> {
  constructor(
    db: DbController,
    private readonly snapshotMaxBytes: number,
  ) {
    super(db, 'snapshots');
  }

  protected encodeId(height: number): Uint8Array {
    return encodeHeightId(height);
  }

  protected decodeId(bytes: Uint8Array): number {
    return decodeHeightId(bytes);
  }

  encodeValue(snapshot: Uint8Array): Uint8Array {
    if (snapshot.byteLength > this.snapshotMaxBytes) throw new UnstorableValueError(this.bucket, `snapshot of ${snapshot.byteLength} bytes exceeds ${this.snapshotMaxBytes}`);
    return frameWithChecksum(snapshot);
  }

  protected decodeValue(bytes: Uint8Array): Uint8Array {
    return unframeWithChecksum(bytes, this.snapshotMaxBytes);
  }
}
