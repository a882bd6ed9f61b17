import { decodeCanonical } from '../../encoding/canonical.js';
import { certificateFromCbor, certificateToCbor } from '../../encoding/codec.js';
import type { CommitCertificate } from '../../types.js';
import type { DbController } from '../controller/types.js';
import { CERTIFICATE_MAX_BYTES } from '../limits.js';
import { HeightRepository } from '../repository.js';

/** The commit certificate that decided the block of each height. */
export class CertificateRepository extends HeightRepository<CommitCertificate> {
  constructor(db: DbController) {
    super(db, 'certificates');
  }

  encodeValue(certificate: CommitCertificate): Uint8Array {
    return this.encodeReadable(`certificate ${certificate.height}`, certificateToCbor(certificate), (cbor) => certificateFromCbor(cbor), CERTIFICATE_MAX_BYTES);
  }

  protected decodeValue(bytes: Uint8Array, height: number): CommitCertificate {
    const certificate = certificateFromCbor(decodeCanonical(bytes, CERTIFICATE_MAX_BYTES, 'stored certificate'));
    if (certificate.height !== height) throw new Error(`holds the certificate of height ${certificate.height}`);
    return certificate;
  }
}
