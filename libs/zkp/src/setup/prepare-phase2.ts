import { copySection, createBinFile, endWriteSection, readBinFile, readSection, startWriteSection, type BinFile, type Sections } from '@iden3/binfileutils';
import type { SetupCurve, SetupLogger } from './steps.js';

/**
 * Phase 2's preparation of a powers-of-tau file for the Groth16 domains of given circuits only.
 *
 * snarkjs's `powersOfTau.preparePhase2` turns the four point sections of a phase-1 file (tau G1,
 * tau G2, alpha-tau G1, beta-tau G1) into their Lagrange bases for EVERY domain 2^0 .. 2^power
 * (tau G1 up to 2^(power+1)), one inverse FFT over the group per domain. `zKey.newZKey` reads only
 * the bases of its circuit's domain 2^d (and tau G1's 2^(d+1), for the H points), at fixed
 * offsets. The smaller domains cost about as much as the largest one, so for a ceremony whose
 * circuits all use the file's largest domain, half the work (minutes on two cores) serves no
 * circuit. This does the same transforms with the same snarkjs/ffjavascript calls
 * (`G.lagrangeEvaluations`) for the domains asked for, and writes zeros in the other domains'
 * places, so the file keeps snarkjs's layout and newZKey reads exactly the bytes
 * preparePhase2 would have written there (an e2e test compares them byte for byte).
 *
 * Such a file serves the listed domains ONLY: a circuit of another size would read zeros and
 * get a useless key. So it lives in the ceremony's working folder and is removed with it; the
 * keys folder keeps the phase-1 file (complete, from which snarkjs prepares any domain).
 */

/** Sections of snarkjs's ptau format: the phase-1 ones, copied as they are, then the prepared ones. */
const PHASE1_SECTIONS = [1, 2, 3, 4, 5, 6, 7] as const;
const PTAU_SECTION_COUNT = 11;

/** One section preparePhase2 makes: from a phase-1 section, in a group; tau G1 goes one domain further (H points). */
export interface PreparedSection {
  readonly name: 'tauG1' | 'tauG2' | 'alphaTauG1' | 'betaTauG1';
  readonly from: number;
  readonly to: number;
  readonly group: 'G1' | 'G2';
  readonly beyond: 0 | 1;
}

export const PREPARED_SECTIONS: readonly PreparedSection[] = [
  { name: 'tauG1', from: 2, to: 12, group: 'G1', beyond: 1 },
  { name: 'tauG2', from: 3, to: 13, group: 'G2', beyond: 0 },
  { name: 'alphaTauG1', from: 4, to: 14, group: 'G1', beyond: 0 },
  { name: 'betaTauG1', from: 5, to: 15, group: 'G1', beyond: 0 },
];

/**
 * Per section, the domains (log2) to transform for circuits of `domainPowers` (groth16DomainPower of @consortium/circuits), in file order;
 * every other domain of 0..power (+1 for tau G1) is written as zeros. Pure.
 */
export function preparedDomains(power: number, domainPowers: readonly number[]): Readonly<Record<PreparedSection['name'], readonly number[]>> {
  if (domainPowers.length === 0) throw new RangeError('preparing phase 2 needs the domain of at least one circuit');
  for (const d of domainPowers) {
    if (!Number.isInteger(d) || d < 0 || d > power) throw new RangeError(`a circuit domain of 2^${d} does not fit powers of tau of 2^${power}`);
  }
  const sorted = (powers: Iterable<number>) => [...new Set(powers)].sort((a, b) => a - b);
  return Object.fromEntries(
    PREPARED_SECTIONS.map((section) => [section.name, sorted(domainPowers.flatMap((d) => (section.beyond === 1 ? [d, d + 1] : [d])))]),
  ) as Record<PreparedSection['name'], number[]>;
}

/** The parts of an ffjavascript group this uses (snarkjs's curve object types them as unknown). */
interface CurveGroup {
  readonly F: { readonly n8: number };
  readonly zeroAffine: Uint8Array;
  lagrangeEvaluations(points: Uint8Array, inType: 'affine', outType: 'affine', logger?: SetupLogger, loggerText?: string): Promise<Uint8Array>;
}

/** The power a phase-1 file was made for: header section 1 is n8 (u32), q (n8 bytes), power (u32), ceremony power (u32). */
async function ptauPower(fd: BinFile, sections: Sections): Promise<number> {
  const header = await readSection(fd, sections, 1);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const n8 = view.getUint32(0, true);
  return view.getUint32(4 + n8, true);
}

/**
 * Writes `ptauOut`: the phase-1 file `ptauIn` with its Lagrange sections prepared for circuits
 * of `domainPowers` (see above). `onTransformed(section, domainPower)` is called after each
 * transform, for progress; snarkjs's own FFT lines go to `logger` as preparePhase2's do.
 */
export async function preparePhase2ForDomains(
  curve: SetupCurve,
  ptauIn: string,
  ptauOut: string,
  domainPowers: readonly number[],
  logger?: SetupLogger,
  onTransformed?: (section: PreparedSection['name'], domainPower: number) => void,
): Promise<void> {
  const { fd: input, sections } = await readBinFile(ptauIn, 'ptau', 1);
  let output: BinFile | undefined;
  try {
    const power = await ptauPower(input, sections);
    const domains = preparedDomains(power, domainPowers);
    output = await createBinFile(ptauOut, 'ptau', 1, PTAU_SECTION_COUNT);
    for (const id of PHASE1_SECTIONS) await copySection(input, sections, output, id);
    for (const section of PREPARED_SECTIONS) {
      const group = (curve as unknown as Record<'G1' | 'G2', CurveGroup>)[section.group];
      const pointBytes = group.F.n8 * 2; // affine
      await startWriteSection(output, section.to);
      for (let p = 0; p <= power + section.beyond; p++) {
        const points = 2 ** p;
        if (!domains[section.name].includes(p)) {
          await output.write(new Uint8Array(points * pointBytes));
          continue;
        }
        // Tau G1 holds 2^(power+1) - 1 points: its largest domain ends with the point at infinity, as in snarkjs.
        const stored = section.from === 2 && p === power + 1 ? points - 1 : points;
        const buffer = new Uint8Array(points * pointBytes);
        buffer.set(await readSection(input, sections, section.from, 0, stored * pointBytes));
        if (stored < points) buffer.set(group.zeroAffine, stored * pointBytes);
        await output.write(await group.lagrangeEvaluations(buffer, 'affine', 'affine', logger, section.name));
        onTransformed?.(section.name, p);
      }
      await endWriteSection(output);
    }
  } finally {
    await input.close();
    await output?.close();
  }
}
