import { randomBytes } from 'node:crypto';
import { copySection, createBinFile, readBinFile, readSection, type BinFile, type Sections } from '@iden3/binfileutils';
import { PREPARED_SECTIONS, preparedDomains } from './prepare-phase2.js';
import type { SetupCurve } from './steps.js';

/**
 * A check of phase 2's powers of tau that costs two multi-exponentiations per prepared domain
 * instead of the inverse FFTs that made it: the ceremony prepares once, and every member and
 * `ceremony verify` check the file instead of making it again (15 s at 2^11 and minutes at 2^14,
 * against well under a second).
 *
 * The Lagrange points of a domain of size n are L = ifft(P), P the powers (tau^j in the group):
 * L_k = (1/n) sum_j w^(-jk) P_j. For random scalars r, sum_k r_k L_k = sum_j c_j P_j with
 * c = ifft(r) computed in the scalar field. A file whose points differ from ifft(P) passes only
 * if r happens to be orthogonal to the difference: probability 2^-128 per domain with 128-bit r
 * drawn here, unknown to whoever made the file. The phase-1 sections must be phase 1's bytes.
 */

/** What a prepared file is refused for: the section and domain, or the phase-1 section that differs. */
export class PreparedPowersError extends Error {
  override readonly name = 'PreparedPowersError';
}

interface Field {
  readonly n8: number;
  ifft(buffer: Uint8Array): Promise<Uint8Array>;
  batchToMontgomery(buffer: Uint8Array): Promise<Uint8Array>;
  batchFromMontgomery(buffer: Uint8Array): Promise<Uint8Array>;
}

interface Group {
  readonly F: { readonly n8: number };
  readonly zeroAffine: Uint8Array;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
  eq(a: Uint8Array, b: Uint8Array): boolean;
}

const PHASE1_SECTIONS = [1, 2, 3, 4, 5, 6, 7] as const;
/** 128-bit scalars: below the field's order, uniformly random. */
const RANDOM_SCALAR_BYTES = 16;

export async function verifyPreparedPhase2(curve: SetupCurve, phase1File: string, preparedFile: string, domainPowers: readonly number[]): Promise<void> {
  const { Fr, G1, G2 } = curve as unknown as { Fr: Field; G1: Group; G2: Group };
  const phase1 = await readBinFile(phase1File, 'ptau', 1);
  let prepared: { fd: BinFile; sections: Sections } | undefined;
  try {
    prepared = await readBinFile(preparedFile, 'ptau', 1);
    for (const id of PHASE1_SECTIONS) {
      const mine = await readSection(phase1.fd, phase1.sections, id);
      const theirs = await readSection(prepared.fd, prepared.sections, id);
      if (!Buffer.from(mine).equals(Buffer.from(theirs))) throw new PreparedPowersError(`${preparedFile}: section ${id} is not phase 1's (the prepared file was made from another phase-1 file)`);
    }
    const header = await readSection(phase1.fd, phase1.sections, 1);
    const power = new DataView(header.buffer, header.byteOffset).getUint32(4 + new DataView(header.buffer, header.byteOffset).getUint32(0, true), true);
    const domains = preparedDomains(power, domainPowers);
    for (const section of PREPARED_SECTIONS) {
      const group = section.group === 'G1' ? G1 : G2;
      const pointBytes = group.F.n8 * 2;
      for (const p of domains[section.name]) {
        const n = 2 ** p;
        // The powers: the first n points of the phase-1 section (tau G1's largest domain ends with the point at infinity, as in the preparation).
        const stored = section.from === 2 && p === power + 1 ? n - 1 : n;
        const powers = new Uint8Array(n * pointBytes);
        powers.set(await readSection(phase1.fd, phase1.sections, section.from, 0, stored * pointBytes));
        if (stored < n) powers.set(group.zeroAffine, stored * pointBytes);
        const lagrange = await readSection(prepared.fd, prepared.sections, section.to, (n - 1) * pointBytes, n * pointBytes);

        const r = new Uint8Array(n * Fr.n8);
        for (let k = 0; k < n; k++) r.set(randomBytes(RANDOM_SCALAR_BYTES), k * Fr.n8);
        const c = await Fr.batchFromMontgomery(await Fr.ifft(await Fr.batchToMontgomery(r)));
        const left = await group.multiExpAffine(lagrange, r);
        const right = await group.multiExpAffine(powers, c);
        if (!group.eq(left, right)) throw new PreparedPowersError(`${preparedFile}: the ${section.name} points of the 2^${p} domain are not the Lagrange basis of phase 1's powers`);
      }
    }
  } finally {
    await phase1.fd.close();
    await prepared?.fd.close();
  }
}

/** Whether a powers-of-tau file holds phase 2's Lagrange sections (a public file is often published prepared). */
export async function hasPreparedSections(ptau: string): Promise<boolean> {
  const { fd, sections } = await readBinFile(ptau, 'ptau', 1);
  await fd.close();
  return sections[12] !== undefined;
}

/**
 * Phase 1's sections (1 to 7) of a powers-of-tau file, copied to `out`: what snarkjs's full
 * verification of the contributions reads, without the prepared sections of a file published
 * prepared for only some domains (snarkjs would check every domain's; verifyPreparedPhase2 checks
 * the ones the circuits use).
 */
export async function copyPhase1Sections(ptau: string, out: string): Promise<void> {
  const { fd, sections } = await readBinFile(ptau, 'ptau', 1);
  const output = await createBinFile(out, 'ptau', 1, PHASE1_SECTIONS.length);
  try {
    for (const id of PHASE1_SECTIONS) await copySection(fd, sections, output, id);
  } finally {
    await fd.close();
    await output.close();
  }
}
