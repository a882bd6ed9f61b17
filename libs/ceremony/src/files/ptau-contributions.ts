import { blake2b } from '@noble/hashes/blake2.js';
import { parseContributionParams } from './contribution-params.js';
import { readSectionCursor } from './section-reader.js';
import type { FileContribution } from './zkey-contributions.js';

/**
 * The phase-1 contributions a powers-of-tau file holds (section 7), each with the hash snarkjs
 * reports when it is made (`powersOfTau.contribute` and `beacon` return it, `verify` prints it
 * as "Response Hash"): blake2b-512 over the response file, which snarkjs keeps as the hasher's
 * state after the points (the "partial hash") and finishes here with the contribution's public
 * key, uncompressed. Compared with the transcript like a zkey's (contributionMismatch).
 */

/** The parts of ffjavascript's curve used here (snarkjs's curves are ffjavascript's). */
interface PointGroup {
  fromRprLEM(buffer: Uint8Array, offset: number): unknown;
  toRprUncompressed(buffer: Uint8Array, offset: number, point: unknown): void;
  readonly F: { readonly n8: number };
}

const CONTRIBUTIONS_SECTION = 7;
/** snarkjs's partial hash: the 128-byte block buffer, then u32 words: v0l..v7h, length (lo, hi), pos (lo, hi). */
const PARTIAL_HASH_BYTES = 216;

/** `curve`: snarkjs's BN254 curve, as for readZkeyContributions (typed loosely on purpose). */
export async function readPtauContributions(ptauFile: string, curve: object): Promise<FileContribution[]> {
  const { G1, G2 } = curve as unknown as { G1: PointGroup; G2: PointGroup };
  const { take, u32 } = await readSectionCursor(ptauFile, 'ptau', 1, CONTRIBUTIONS_SECTION, 'the contributions');
  const g1 = G1.F.n8 * 2;
  const g2 = G2.F.n8 * 2;
  const count = u32();
  const contributions: FileContribution[] = [];
  for (let i = 0; i < count; i++) {
    take(g1 + g2 + g1 + g1 + g2); // the contribution's tauG1, tauG2, alphaG1, betaG1, betaG2 (first points of the file after it)
    // The public key: tau, alpha and beta each as (g1_s, g1_sx), then their g2_spx; hashed uncompressed.
    const key = new Uint8Array(6 * g1 + 3 * g2);
    let written = 0;
    for (const group of [G1, G1, G1, G1, G1, G1, G2, G2, G2]) {
      const size = group.F.n8 * 2;
      group.toRprUncompressed(key, written, group.fromRprLEM(take(size), 0));
      written += size;
    }
    const hasher = resumeBlake2b(take(PARTIAL_HASH_BYTES));
    hasher.update(key);
    take(64); // the next challenge
    const type = u32();
    const params = take(u32());
    contributions.push({ contributionHash: Buffer.from(hasher.digest()).toString('hex'), kind: type === 1 ? 'beacon' : 'contribution', ...parseContributionParams(params) });
  }
  return contributions;
}

/** A blake2b-512 hasher in the state snarkjs saved (misc.fromPartialHash, on the same internal fields of @noble/hashes). */
function resumeBlake2b(partial: Uint8Array): ReturnType<typeof blake2b.create> {
  const hasher = blake2b.create({ dkLen: 64 });
  const state = hasher as unknown as Record<string, number> & { buffer: Uint8Array };
  const words = new DataView(partial.buffer, partial.byteOffset + 128, PARTIAL_HASH_BYTES - 128);
  const word = (i: number) => words.getUint32(i * 4, true) | 0;
  state.buffer.set(partial.subarray(0, 128));
  const names = ['v0l', 'v0h', 'v1l', 'v1h', 'v2l', 'v2h', 'v3l', 'v3h', 'v4l', 'v4h', 'v5l', 'v5h', 'v6l', 'v6h', 'v7l', 'v7h'];
  names.forEach((name, i) => (state[name] = word(i)));
  const length = (word(16) >>> 0) + (word(17) >>> 0) * 2 ** 32;
  const pos = (word(18) >>> 0) + (word(19) >>> 0) * 2 ** 32;
  state['length'] = length + pos;
  state['pos'] = pos;
  return hasher;
}
