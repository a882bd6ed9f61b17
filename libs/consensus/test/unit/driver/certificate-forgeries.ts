import { blockHash } from '../../../src/block.js';
import type { Block, CommitCertificate } from '../../../src/types.js';
import type { ReferenceChain } from './harness.js';

type Built = { readonly block: Block; readonly certificate: CommitCertificate };

/**
 * Certificates a Byzantine member can build for `first` (height 1 of a 4-member chain whose
 * genuine certificate `first.certificate` holds m0, m1 and m2's precommits) from what it holds:
 * its own key, the votes it saw, the certificates of other heights. Each has exactly one fault.
 */
export function forgedCertificates(chain: ReferenceChain, first: Built, second: Built) {
  const { height, round } = first.certificate;
  const hash = blockHash(first.block);
  const genuine = first.certificate.signatures;
  const flipped = (signature: Uint8Array) => signature.map((byte, index) => (index === 0 ? byte ^ 0x01 : byte));
  const otherHash = blockHash(second.block);
  return {
    /** m0 and m1: 2 of 4, under the quorum of 3. */
    tooFewSigners: chain.certificate(first.block, round, ['m0', 'm1']),
    /** m0, m1 and m1 again: three valid signatures, but only 2 of 4 validators. */
    signerTwice: { ...first.certificate, signatures: [genuine[0]!, genuine[1]!, genuine[1]!] },
    /** m0, m1 and a validator genesis does not list. */
    unknownSigner: { ...first.certificate, signatures: [genuine[0]!, genuine[1]!, { validator: 'm9', signature: genuine[2]!.signature }] },
    /** m2's signature with one bit flipped. */
    badSignature: { ...first.certificate, signatures: genuine.map((entry) => (entry.validator === 'm2' ? { ...entry, signature: flipped(entry.signature) } : entry)) },
    /** The quorum's prevotes for the block passed off as precommits. */
    prevotesForPrecommits: {
      ...first.certificate,
      signatures: genuine.map(({ validator }) => ({ validator, signature: chain.vote('prevote', validator, height, round, hash).signature })),
    },
    /** Height 2's genuine certificate, for a block at height 1. */
    anotherHeight: second.certificate,
    /** A quorum's valid precommits at height 1, for another block than this one. */
    anotherBlock: {
      height,
      round,
      blockHash: otherHash,
      signatures: genuine.map(({ validator }) => ({ validator, signature: chain.vote('precommit', validator, height, round, otherHash).signature })),
    },
  } satisfies Record<string, CommitCertificate>;
}

export type CertificateForgery = keyof ReturnType<typeof forgedCertificates>;
