import { describe, expect, it } from 'vitest';
import { blockHash } from '../../src/block.js';
import { verifyCommitCertificate } from '../../src/certificate.js';
import { ed25519KeyPairFromSeed, Ed25519Signer, Ed25519Verifier } from '../../src/crypto/ed25519.js';
import { InvalidCertificateError } from '../../src/errors.js';
import { voteSignBytes } from '../../src/signing.js';
import type { Block, CommitCertificate } from '../../src/types.js';
import { forgedCertificates, type CertificateForgery } from './driver/certificate-forgeries.js';
import { ReferenceChain, testConsortium } from './driver/harness.js';

/**
 * A commit certificate is what block sync and a block's last commit take as proof that a height
 * was decided (T27 in docs/security.md): every forgery a Byzantine peer can build from what it
 * holds (its own key, the others' public votes, other heights' certificates) must be refused.
 */

async function chainOfTwo() {
  const consortium = testConsortium(4);
  const chain = new ReferenceChain(consortium);
  const [first, second] = await chain.extend(2);
  return { consortium, chain, first: first!, second: second! };
}

function verify(certificate: CommitCertificate, block: Block, consortium: ReturnType<typeof testConsortium>): void {
  verifyCommitCertificate(certificate, { chainId: consortium.genesis.chainId, height: block.header.height, blockHash: blockHash(block) }, consortium.validators, new Ed25519Verifier());
}

describe('verifyCommitCertificate', () => {
  it('accepts a quorum of precommits for the block (3 of 4), in any round', async () => {
    const { consortium, chain, first } = await chainOfTwo();
    expect(() => verify(first.certificate, first.block, consortium)).not.toThrow();
    expect(() => verify(chain.certificate(first.block, 5, ['m1', 'm2', 'm3']), first.block, consortium)).not.toThrow();
  });

  const faults: readonly [CertificateForgery, RegExp][] = [
    ['tooFewSigners', /has 2 of 4 voting power, needs 3/],
    ['signerTwice', /has m1 twice/],
    ['unknownSigner', /unknown validator m9/],
    ['badSignature', /bad signature by m2/],
    ['prevotesForPrecommits', /bad signature by m0/],
    ['anotherHeight', /for height 2, expected 1/],
    ['anotherBlock', /for another block/],
  ];
  it.each(faults)('refuses a certificate with %s, naming the fault', async (fault, message) => {
    const { consortium, chain, first, second } = await chainOfTwo();
    const forged = forgedCertificates(chain, first, second)[fault];
    expect(() => verify(forged, first.block, consortium)).toThrow(InvalidCertificateError);
    expect(() => verify(forged, first.block, consortium)).toThrow(message);
  });

  it('refuses a signature by a key genesis does not list under the validator it names', async () => {
    const { consortium, first } = await chainOfTwo();
    // An outsider signs the right precommit and names m1: the signature is valid, but not m1's.
    const outsider = new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(99)));
    const vote = { type: 'precommit' as const, height: 1, round: 0, blockHash: blockHash(first.block), validator: 'm1' };
    const signatures = first.certificate.signatures.map((entry) =>
      entry.validator === 'm1' ? { validator: 'm1', signature: outsider.sign(voteSignBytes(consortium.genesis.chainId, vote)) } : entry,
    );
    expect(() => verify({ ...first.certificate, signatures }, first.block, consortium)).toThrow(/bad signature by m1/);
  });

  it('binds the signatures to the chain id: a certificate of another chain with the same members is refused', async () => {
    const { consortium, first } = await chainOfTwo();
    const otherChain = { ...consortium, genesis: { ...consortium.genesis, chainId: 'another-chain' } };
    expect(() => verify(first.certificate, first.block, otherChain)).toThrow(/bad signature by m0/);
  });
});
