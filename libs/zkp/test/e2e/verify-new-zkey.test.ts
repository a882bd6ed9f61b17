import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBinFile } from '@iden3/binfileutils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestKeys, NewZKeyError, openSetupCurve, verifyNewZKey, type SetupCurve } from '../../src/index.js';

/**
 * verifyNewZKey against snarkjs's own newZKey on the settlement circuit (settlement-4, 2^11):
 * snarkjs's file passes, and each way a file can differ from it is refused, naming the section:
 * a point swapped or moved in each point section, a B2 point with a torsion component (on the
 * curve, outside the subgroup), a coordinate not reduced, a point off the curve, an H point, a
 * coefficient, the circuit hash and the Groth16 header.
 */

interface Group {
  readonly F: { readonly n8: number; random(): Uint8Array; add(a: Uint8Array, b: Uint8Array): Uint8Array; mul(a: Uint8Array, b: Uint8Array): Uint8Array; square(a: Uint8Array): Uint8Array; isSquare(a: Uint8Array): boolean; sqrt(a: Uint8Array): Uint8Array };
  readonly b: Uint8Array;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  toAffine(a: Uint8Array): Uint8Array;
  timesScalar(a: Uint8Array, scalar: bigint): Uint8Array;
  isZero(a: Uint8Array): boolean;
  isValid(a: Uint8Array): boolean;
}

let dir: string;
let curve: SetupCurve;
let r1cs: string;
let prepared: string;
let original: string;
let bytes: Uint8Array;
/** Where each zkey section starts in the file, and its size. */
let sections: Map<number, { start: number; size: number }>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-new-zkey-'));
  const keys = await ensureTestKeys('settlement-4');
  r1cs = join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path);
  prepared = keys.preparedPtauPath;
  // Made by snarkjs's newZKey in the single-party sequence of the test keys.
  original = keys.initZkeyPath;
  bytes = new Uint8Array(await readFile(original));
  const { fd, sections: found } = await readBinFile(original, 'zkey', 1);
  await fd.close();
  sections = new Map(Object.entries(found).map(([id, [section]]) => [Number(id), { start: section!.p, size: section!.size }]));
  curve = await openSetupCurve();
}, 300_000);

afterAll(async () => {
  await curve?.terminate();
  await rm(dir, { recursive: true, force: true });
});

/** A copy of snarkjs's file with `change` applied to its bytes. */
async function variant(name: string, change: (copy: Uint8Array) => void): Promise<string> {
  const copy = bytes.slice();
  change(copy);
  const path = join(dir, `${name}.zkey`);
  await writeFile(path, copy);
  return path;
}

function swapPoints(copy: Uint8Array, section: number, pointBytes: number, i: number, j: number): void {
  const { start } = sections.get(section)!;
  const a = copy.slice(start + i * pointBytes, start + (i + 1) * pointBytes);
  copy.copyWithin(start + i * pointBytes, start + j * pointBytes, start + (j + 1) * pointBytes);
  copy.set(a, start + j * pointBytes);
}

/** The first two points of a section that differ (non-zero and distinct), so swapping them changes the key. */
function distinctPoints(section: number, pointBytes: number): [number, number] {
  const { start, size } = sections.get(section)!;
  const at = (i: number) => Buffer.from(bytes.subarray(start + i * pointBytes, start + (i + 1) * pointBytes));
  const zero = Buffer.alloc(pointBytes);
  const nonZero = [...Array(size / pointBytes).keys()].filter((i) => !at(i).equals(zero));
  const first = nonZero[0]!;
  return [first, nonZero.find((i) => !at(i).equals(at(first)))!];
}

const refusal = (path: string) => verifyNewZKey(curve, r1cs, prepared, path).then(() => null, (error: unknown) => error);

describe('verifyNewZKey', () => {
  it("passes snarkjs's newZKey of the circuit, every time (fresh random combinations)", async () => {
    await verifyNewZKey(curve, r1cs, prepared, original);
    await verifyNewZKey(curve, r1cs, prepared, original);
  });

  it.each([
    [5, 'A', 64],
    [6, 'B1', 64],
    [7, 'B2', 128],
    [8, 'IC or C', 64],
  ])('refuses a key whose section %i has two points swapped (%s)', async (section, name, pointBytes) => {
    const [i, j] = distinctPoints(section, pointBytes);
    const error = await refusal(await variant(`swap-${section}`, (copy) => swapPoints(copy, section, pointBytes, i, j)));
    expect(error).toBeInstanceOf(NewZKeyError);
    expect((error as Error).message).toContain(`its ${name} points differ`);
  });

  it('refuses a B2 point moved out of the subgroup by a torsion component of order 10069, though on the curve', async () => {
    const G2 = (curve as unknown as { G2: Group }).G2;
    const r = (curve as unknown as { r: bigint }).r;
    const cofactor = BigInt('0x30644e72e131a029b85045b68181585e06ceecda572a2489345f2299c0f9fa8d');
    // A point of the whole curve (x random, y its square root), then times (r * cofactor / 10069): order 10069.
    let torsion: Uint8Array;
    do {
      let x: Uint8Array;
      let x3b: Uint8Array;
      do {
        x = G2.F.random();
        x3b = G2.F.add(G2.F.mul(G2.F.square(x), x), G2.b);
      } while (!G2.F.isSquare(x3b));
      const point = new Uint8Array(G2.F.n8 * 2);
      point.set(x);
      point.set(G2.F.sqrt(x3b), G2.F.n8);
      torsion = G2.timesScalar(point, (r * cofactor) / 10_069n);
    } while (G2.isZero(torsion));
    expect(G2.isZero(G2.timesScalar(torsion, 10_069n))).toBe(true);
    const [i] = distinctPoints(7, 128);
    const { start } = sections.get(7)!;
    const moved = G2.toAffine(G2.add(bytes.slice(start + i * 128, start + (i + 1) * 128), torsion));
    expect(G2.isValid(moved)).toBe(true);
    const error = await refusal(await variant('torsion', (copy) => copy.set(moved, start + i * 128)));
    expect((error as Error).message).toContain(`B2 point ${i} is not in the subgroup of order r`);
  });

  it('refuses a coordinate that is not reduced, and a point off the curve', async () => {
    const q = (curve as unknown as { q: bigint }).q;
    const [i] = distinctPoints(5, 64);
    const { start } = sections.get(5)!;
    const unreduced = await variant('unreduced', (copy) => {
      let x = 0n;
      for (let k = 31; k >= 0; k--) x = (x << 8n) | BigInt(copy[start + i * 64 + k]!);
      let sum = x + q;
      if (sum >= 1n << 256n) throw new Error('this x cannot be written unreduced in 32 bytes');
      for (let k = 0; k < 32; k++) {
        copy[start + i * 64 + k] = Number(sum & 0xffn);
        sum >>= 8n;
      }
    });
    expect((await refusal(unreduced) as Error).message).toContain(`A point ${i} is not a canonical encoding`);
    const offCurve = await variant('off-curve', (copy) => {
      copy[start + i * 64 + 40]! ^= 0x01;
    });
    expect((await refusal(offCurve) as Error).message).toContain(`A point ${i} is not on the curve`);
  });

  it('refuses a changed H point, coefficient, circuit hash or header', async () => {
    const h = sections.get(9)!;
    expect((await refusal(await variant('h', (copy) => swapPoints(copy, 9, 64, 0, 1))) as Error).message).toContain('its H points differ');
    const coefficients = sections.get(4)!;
    // The first coefficient's value (after the count and its matrix, constraint and signal).
    expect((await refusal(await variant('coefficient', (copy) => (copy[coefficients.start + 4 + 12]! ^= 0x01))) as Error).message).toContain('its coefficients section differs');
    const contributions = sections.get(10)!;
    expect((await refusal(await variant('hash', (copy) => (copy[contributions.start]! ^= 0x01))) as Error).message).toContain('its circuit hash or contributions section differs');
    const groth = sections.get(2)!;
    // nVars, after n8q, q, n8r and r.
    expect((await refusal(await variant('header', (copy) => (copy[groth.start + 4 + 32 + 4 + 32]! ^= 0x01))) as Error).message).toContain('its Groth16 header');
    expect(h.size).toBe(2 ** 11 * 64);
  });
});
