import { decodeCanonical, encodeCanonical } from '../../encoding/canonical.js';
import { certificateFromCbor, certificateToCbor } from '../../encoding/codec.js';
import type { CommitCertificate } from '../../types.js';
import type { DbController } from '../controller/types.js';
import { UnstorableValueError } from '../errors.js';
import { decodeHeightId, encodeHeightId } from '../keys.js';
import { CERTIFICATE_MAX_BYTES } from '../limits.js';
import { Repository } from '../repository.js';

/** The commit certificate that decided the block of each height. */
export class CertificateRepository extends Repository<number, CommitCertificate> {
  constructor(db: DbController) {
    super(db, 'certificates');
  }

  protected encodeId(height: number): Uint8Array {
    return encodeHeightId(height);
  }

  protected decodeId(bytes: Uint8Array): number {
    return decodeHeightId(bytes);
  }

  encodeValue(certificate: CommitCertificate): Uint8Array {
    const cbor = certificateToCbor(certificate);
    try {
      certificateFromCbor(cbor);
    } catch (error) {
      throw new UnstorableValueError(this.bucket, `certificate ${certificate.height}: ${(error as Error).message}`, { cause: error });
    }
    const bytes = encodeCanonical(cbor);
    if (bytes.byteLength > CERTIFICATE_MAX_BYTES) throw new UnstorableValueError(this.bucket, `certificate ${certificate.height} encodes to ${bytes.byteLength} bytes, above ${CERTIFICATE_MAX_BYTES}`);
    return bytes;
  }

  protected decodeValue(bytes: Uint8Array, height: number): CommitCertificate {
    const certificate = certificateFromCbor(decodeCanonical(bytes, CERTIFICATE_MAX_BYTES, 'stored certificate'));
    if (certificate.height !== height) throw new Error(`holds the certificate of height ${certificate.height}`);
    return certificate;
  }
}
