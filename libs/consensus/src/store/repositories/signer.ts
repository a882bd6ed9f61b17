import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { LAST_SIGNED_MAX_BYTES } from '../limits.js';
import { Repository } from '../repository.js';

/** The signer's state; one key today. */
export type SignerKey = 'last_signed';

const KEY = new TextEncoder().encode('last_signed');

/**
 * The consensus signer's last-signed record (height, round, step, what was signed): opaque
 * bytes the signer encodes, behind a checksum. Its own bucket, never pruned with the WAL, so a
 * lost or damaged WAL leaves the signer's memory of its last signature intact.
 */
export class SignerRepository extends Repository<SignerKey, Uint8Array> {
  constructor(db: DbController) {
    super(db, 'signer');
  }

  protected encodeId(): Uint8Array {
    return KEY;
  }

  protected decodeId(bytes: Uint8Array): SignerKey {
    if (new TextDecoder().decode(bytes) !== 'last_signed') throw new Error('unknown signer key');
    return 'last_signed';
  }

  encodeValue(record: Uint8Array): Uint8Array {
    if (record.byteLength > LAST_SIGNED_MAX_BYTES) throw new UnstorableValueError(this.bucket, `last-signed record of ${record.byteLength} bytes exceeds ${LAST_SIGNED_MAX_BYTES}`);
    return frameWithChecksum(record);
  }

  protected decodeValue(bytes: Uint8Array): Uint8Array {
    return unframeWithChecksum(bytes, LAST_SIGNED_MAX_BYTES);
  }
}
