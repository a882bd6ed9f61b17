import { type Ed25519Verifier } from './crypto/ed25519.js';
import { bytesEqual } from './encoding/canonical.js';
import { InvalidCertificateError } from './errors.js';
import { voteSignBytes } from './signing.js';
import type { CommitCertificate, Hash } from './types.js';
import type { ValidatorSet } from './validators.js';

/**
 * Checks that a certificate proves `blockHash` was decided at `height`: every signature is a
 * known validator's precommit for that block in the certificate's round, no validator twice,
 * and together they hold a quorum of voting power. Throws InvalidCertificateError naming the fault.
 */
export function verifyCommitCertificate(
  certificate: CommitCertificate,
  expected: { readonly chainId: string; readonly height: number; readonly blockHash: Hash },
  validators: ValidatorSet,
  verifier: Ed25519Verifier,
): void {
  if (certificate.height !== expected.height) {
    throw new InvalidCertificateError(`certificate is for height ${certificate.height}, expected ${expected.height}`);
  }
  if (!bytesEqual(certificate.blockHash, expected.blockHash)) throw new InvalidCertificateError(`certificate at height ${expected.height} is for another block`);
  const seen = new Set<string>();
  let power = 0;
  for (const { validator, signature } of certificate.signatures) {
    const member = validators.get(validator);
    if (member === undefined) throw new InvalidCertificateError(`certificate at height ${expected.height} has a signature by unknown validator ${validator}`);
    if (seen.has(validator)) throw new InvalidCertificateError(`certificate at height ${expected.height} has ${validator} twice`);
    seen.add(validator);
    const signBytes = voteSignBytes(expected.chainId, {
      type: 'precommit',
      height: certificate.height,
      round: certificate.round,
      blockHash: certificate.blockHash,
      validator,
    });
    if (!verifier.verify(member.publicKey, signBytes, signature)) {
      throw new InvalidCertificateError(`certificate at height ${expected.height} has a bad signature by ${validator}`);
    }
    power += member.votingPower;
  }
  if (power < validators.quorumPower) {
    throw new InvalidCertificateError(`certificate at height ${expected.height} has ${power} of ${validators.totalPower} voting power, needs ${validators.quorumPower}`);
  }
}
