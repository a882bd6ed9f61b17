import { readBinFile, readSection } from '@iden3/binfileutils';
import { leToBigInt, readUint32 } from './le-bytes.js';

/**
 * An r1cs file's sizes and its three matrices as lists of non-zero terms (snarkjs's r1cs format:
 * header in section 1, constraints in section 2, each constraint's A, B and C as a count and
 * (signal u32, coefficient n8 bytes) pairs).
 */

/** One non-zero of the r1cs's A, B or C matrix: constraint c, signal s, coefficient (standard form, below r). */
export interface Term {
  readonly constraint: number;
  readonly signal: number;
  readonly coefficient: bigint;
}

export interface R1csMatrices {
  readonly vars: number;
  readonly publics: number;
  readonly constraints: number;
  readonly a: readonly Term[];
  readonly b: readonly Term[];
  readonly c: readonly Term[];
  /** A's and B's terms in file order, constraint by constraint (the order of newZKey's coefficients section). */
  readonly order: readonly { readonly matrix: 0 | 1; readonly term: Term }[];
}

export async function readR1csMatrices(path: string): Promise<R1csMatrices & { readonly prime: bigint }> {
  const { fd, sections } = await readBinFile(path, 'r1cs', 1);
  try {
    const header = await readSection(fd, sections, 1);
    const n8 = readUint32(header, 0);
    const at = 4 + n8;
    const vars = readUint32(header, at);
    const publics = readUint32(header, at + 4) + readUint32(header, at + 8);
    const constraints = readUint32(header, at + 24);
    const body = await readSection(fd, sections, 2);
    const a: Term[] = [];
    const b: Term[] = [];
    const c: Term[] = [];
    const order: { matrix: 0 | 1; term: Term }[] = [];
    let pos = 0;
    for (let constraint = 0; constraint < constraints; constraint++) {
      for (const [matrix, terms] of [[0, a], [1, b], [2, c]] as const) {
        const count = readUint32(body, pos);
        pos += 4;
        for (let i = 0; i < count; i++) {
          const term = { constraint, signal: readUint32(body, pos), coefficient: leToBigInt(body, pos + 4, n8) };
          pos += 4 + n8;
          terms.push(term);
          if (matrix !== 2) order.push({ matrix, term });
        }
      }
    }
    return { prime: leToBigInt(header, 4, n8), vars, publics, constraints, a, b, c, order };
  } finally {
    await fd.close();
  }
}
