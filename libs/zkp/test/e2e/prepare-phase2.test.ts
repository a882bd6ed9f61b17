import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBinFile, readSection } from '@iden3/binfileutils';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSetupCurve, PREPARED_SECTIONS, preparedDomains, preparePhase2ForDomains, PreparedPowersError, verifyPreparedPhase2, type SetupCurve } from '../../src/index.js';

/**
 * preparePhase2ForDomains against snarkjs's own preparePhase2 on the same phase-1 file (2^9, a
 * real contribution): every byte newZKey can read for the domains asked for is snarkjs's, the
 * phase-1 sections are copied unchanged, and the other domains are zeros (never another
 * domain's points).
 */

const POWER = 9;
/** Affine point sizes on BN254: G1 2 x 32 bytes, G2 2 x 64. */
const POINT_BYTES = { G1: 64, G2: 128 } as const;

let dir: string;
let curve: SetupCurve;
const file = (name: string) => join(dir, name);

async function sectionsOf(path: string) {
  const { fd, sections } = await readBinFile(path, 'ptau', 1);
  const read = async (id: number) => readSection(fd, sections, id);
  const all = new Map<number, Uint8Array>();
  for (const id of [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) all.set(id, await read(id));
  await fd.close();
  return all;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prepare-phase2-'));
  curve = await openSetupCurve();
  await snarkjs.powersOfTau.newAccumulator(curve as snarkjs.Curve, POWER, file('pot_0.ptau'));
  await snarkjs.powersOfTau.contribute(file('pot_0.ptau'), file('pot_1.ptau'), 'test', randomBytes(32).toString('hex'));
  await snarkjs.powersOfTau.preparePhase2(file('pot_1.ptau'), file('snarkjs.ptau'));
});

afterAll(async () => {
  await curve.terminate();
  await rm(dir, { recursive: true, force: true });
});

describe('phase 2 prepared for some domains', () => {
  it.each([[[POWER]], [[POWER - 1]], [[POWER, POWER - 2]]])('for circuit domains %j: the bytes newZKey reads are snarkjs\'s, the rest zeros', async (domainPowers: number[]) => {
    const out = file(`ours-${domainPowers.join('-')}.ptau`);
    await preparePhase2ForDomains(curve, file('pot_1.ptau'), out, domainPowers);
    const theirs = await sectionsOf(file('snarkjs.ptau'));
    const ours = await sectionsOf(out);

    for (const id of [1, 2, 3, 4, 5, 6, 7]) expect(Buffer.from(ours.get(id)!).equals(Buffer.from(theirs.get(id)!))).toBe(true);
    const domains = preparedDomains(POWER, domainPowers);
    for (const section of PREPARED_SECTIONS) {
      const mine = ours.get(section.to)!;
      const reference = theirs.get(section.to)!;
      expect(mine.byteLength).toBe(reference.byteLength);
      const pointBytes = POINT_BYTES[section.group];
      for (let p = 0; p <= POWER + section.beyond; p++) {
        // Domain 2^p starts after the 2^p - 1 points of the smaller ones, where newZKey reads it.
        const range = [(2 ** p - 1) * pointBytes, (2 ** (p + 1) - 1) * pointBytes] as const;
        const got = Buffer.from(mine.subarray(...range));
        if (domains[section.name].includes(p)) expect(got.equals(Buffer.from(reference.subarray(...range))), `${section.name} 2^${p}`).toBe(true);
        else expect(got.every((byte) => byte === 0), `${section.name} 2^${p} zeros`).toBe(true);
      }
    }
  });
});

describe('the cheap check of a prepared file (two multi-exponentiations per domain)', () => {
  it("passes ours and snarkjs's, for the domains asked for", async () => {
    await preparePhase2ForDomains(curve, file('pot_1.ptau'), file('check.ptau'), [POWER - 1]);
    await verifyPreparedPhase2(curve, file('pot_1.ptau'), file('check.ptau'), [POWER - 1]);
    await verifyPreparedPhase2(curve, file('pot_1.ptau'), file('snarkjs.ptau'), [POWER, POWER - 2]);
  });

  it('refuses a point changed in any prepared section, naming it, and a file prepared from other powers of tau', async () => {
    const bytes = await readFile(file('check.ptau'));
    const { fd, sections } = await readBinFile(file('check.ptau'), 'ptau', 1);
    await fd.close();
    for (const section of PREPARED_SECTIONS) {
      const pointBytes = POINT_BYTES[section.group];
      const domain = POWER - 1;
      // A point inside the domain's bases: swap it with its neighbour (both valid points, wrong place).
      const at = sections[section.to]![0]!.p + (2 ** domain - 1 + 3) * pointBytes;
      const changed = Buffer.from(bytes);
      changed.copy(changed, at, at + pointBytes, at + 2 * pointBytes);
      await writeFile(file('changed.ptau'), changed);
      const refused = await verifyPreparedPhase2(curve, file('pot_1.ptau'), file('changed.ptau'), [domain]).catch((error: unknown) => error);
      expect(refused, section.name).toBeInstanceOf(PreparedPowersError);
      expect((refused as Error).message).toContain(`the ${section.name} points of the 2^${domain} domain`);
    }
    await snarkjs.powersOfTau.contribute(file('pot_1.ptau'), file('pot_2.ptau'), 'other', randomBytes(32).toString('hex'));
    await expect(verifyPreparedPhase2(curve, file('pot_2.ptau'), file('check.ptau'), [POWER - 1])).rejects.toThrow(/section 2 is not phase 1's|section 7 is not phase 1's/);
  });
});
