import { HASH_BYTES } from '../../crypto/hash.js';
import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { frameWithChecksum, unframeWithChecksum } from '../framing.js';
import { readUint64, UINT64_BYTES, writeUint64 } from '../keys.js';
import { Repository } from '../repository.js';

/** Evidence is kept by the height it happened at and its own hash: recorded once, listed by height. */
export interface EvidenceId {
  readonly height: number;
  readonly hash: Uint8Array;
}

/** Two signed proposals with their blocks' hashes, or two votes: a few hundred bytes. */
export const EVIDENCE_MAX_BYTES = 16 * 1024;

/** Equivocation evidence (two signed messages for one height, round and step), opaque behind a checksum. */
export class EvidenceRepository extends Repository<EvidenceId, Uint8Array> {
  constructor(db: DbController) {
    super(db, 'evidence');
  }

  protected encodeId(id: EvidenceId): Uint8Array {
    if (id.hash.byteLength !== HASH_BYTES) throw new Error(`an evidence hash is ${HASH_BYTES} bytes`);
    const bytes = new Uint8Array(UINT64_BYTES + HASH_BYTES);
    writeUint64(bytes, 0, id.height);
    bytes.set(id.hash, UINT64_BYTES);
    return bytes;
  }

  protected decodeId(bytes: Uint8Array): EvidenceId {
    if (bytes.byteLength !== UINT64_BYTES + HASH_BYTES) throw new Error(`an evidence id is ${UINT64_BYTES + HASH_BYTES} bytes, got ${bytes.byteLength}`);
    return { height: readUint64(bytes, 0), hash: bytes.slice(UINT64_BYTES) };
  }

  encodeValue(record: Uint8Array): Uint8Array {
    if (record.byteLength > EVIDENCE_MAX_BYTES) throw new UnstorableValueError(this.bucket, `evidence of ${record.byteLength} bytes exceeds ${EVIDENCE_MAX_BYTES}`);
    return frameWithChecksum(record);
  }

  protected decodeValue(bytes: Uint8Array): Uint8Array {
    return unframeWithChecksum(bytes, EVIDENCE_MAX_BYTES);
  }
}
