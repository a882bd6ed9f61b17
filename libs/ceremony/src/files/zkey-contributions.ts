import { blake2b } from '@noble/hashes/blake2.js';
import { parseContributionParams } from './contribution-params.js';
import { readSectionCursor } from './section-reader.js';

/**
 * The phase-2 contributions a zkey file holds, as snarkjs itself records them (the MPC
 * parameters, section 10), each with the hash snarkjs reports when it is made: blake2b-512 over
 * the contribution's public key (delta after, the proof of knowledge of delta, the transcript).
 * What the transcript's signed entries claim is compared with this list (compareContributions):
 * snarkjs's own verification accepts a file with a contributor dropped, since each contribution
 * is only checked against the one before it in the file.
 */

export interface FileContribution {
  /** blake2b-512 as hex: what snarkjs's `zKey.contribute` and `zKey.beacon` return. */
  readonly contributionHash: string;
  readonly kind: 'contribution' | 'beacon';
  /** The name the contributor gave (self-declared: proves nothing). */
  readonly name: string | null;
  /** A beacon's value (hex) and iterations exponent, as the file records them. */
  readonly beacon: { readonly valueHex: string; readonly iterationsExp: number } | null;
}

export interface ZkeyContributions {
  /** snarkjs's hash of the circuit and phase 1 the key was made from. */
  readonly circuitHash: string;
  readonly contributions: readonly FileContribution[];
}

/** The parts of ffjavascript's curve used here (snarkjs's curves are ffjavascript's). */
interface PointGroup {
  fromRprLEM(buffer: Uint8Array, offset: number): unknown;
  toRprUncompressed(buffer: Uint8Array, offset: number, point: unknown): void;
  readonly F: { readonly n8: number };
}

const MPC_PARAMS_SECTION = 10;

/**
 * `curve`: snarkjs's BN254 curve (`await snarkjs.curves.getCurveFromName('bn128')`, terminated by
 * the caller), whose point conversions decode the stored points. Typed loosely on purpose: the
 * public declarations must not need snarkjs's (absent) types.
 */
export async function readZkeyContributions(zkeyFile: string, curve: object): Promise<ZkeyContributions> {
  const { G1, G2 } = curve as unknown as { G1: PointGroup; G2: PointGroup };
  const { take, u32 } = await readSectionCursor(zkeyFile, 'zkey', 2, MPC_PARAMS_SECTION, 'the MPC parameters');
  const circuitHash = Buffer.from(take(64)).toString('hex');
  const count = u32();
  const contributions: FileContribution[] = [];
  for (let i = 0; i < count; i++) {
    const hasher = blake2b.create({ dkLen: 64 });
    // Points are stored in ffjavascript's little-endian Montgomery form and hashed uncompressed, as snarkjs's hashPubKey does.
    for (const group of [G1, G1, G1, G2]) {
      const stored = take(group.F.n8 * 2);
      const uncompressed = new Uint8Array(group.F.n8 * 2);
      group.toRprUncompressed(uncompressed, 0, group.fromRprLEM(stored, 0));
      hasher.update(uncompressed);
    }
    hasher.update(take(64)); // the transcript
    const type = u32();
    const params = take(u32());
    contributions.push({ contributionHash: Buffer.from(hasher.digest()).toString('hex'), kind: type === 1 ? 'beacon' : 'contribution', ...parseContributionParams(params) });
  }
  return { circuitHash, contributions };
}
