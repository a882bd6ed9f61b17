import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { HeightRepository } from '../repository.js';

/** The application's full state after the block of each height: opaque bytes behind a checksum. */
export class SnapshotRepository extends HeightRepository<Uint8Array> {
  constructor(
    db: DbController,
    private readonly snapshotMaxBytes: number,
  ) {
    super(db, 'snapshots');
  }

  encodeValue(snapshot: Uint8Array): Uint8Array {
    if (snapshot.byteLength > this.snapshotMaxBytes) throw new UnstorableValueError(this.bucket, `snapshot of ${snapshot.byteLength} bytes exceeds ${this.snapshotMaxBytes}`);
    return frameWithChecksum(snapshot);
  }

  protected decodeValue(bytes: Uint8Array): Uint8Array {
    return unframeWithChecksum(bytes, this.snapshotMaxBytes);
  }
}
