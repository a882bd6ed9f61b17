import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beaconPhase1, contributePhase1, newAccumulator, openSetupCurve, type SetupCurve } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPtauContributions } from '../../src/index.js';

/**
 * Real snarkjs phase-1 files (2^8): what readPtauContributions finds in a file is, in order, what
 * snarkjs returned for each contribution and for the beacon.
 */

let dir: string;
let curve: SetupCurve;
const file = (name: string) => join(dir, `${name}.ptau`);
const returned: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ceremony-ptau-'));
  curve = await openSetupCurve();
  await newAccumulator(curve, 8, file('0'));
  returned.push(await contributePhase1(file('0'), file('A'), 'T-Mobile-DE'));
  returned.push(await contributePhase1(file('A'), file('B'), 'Vodafone-UK'));
  returned.push(await beaconPhase1(file('B'), file('final'), 'beacon', 'cd'.repeat(32), 10));
}, 120_000);

afterAll(async () => {
  await curve?.terminate();
  await rm(dir, { recursive: true, force: true });
});

describe('a powers-of-tau file\'s contributions', () => {
  it('are the hashes snarkjs returned, in order, with names and the beacon last', async () => {
    const found = await readPtauContributions(file('final'), curve);
    expect(found.map((c) => c.contributionHash)).toEqual(returned);
    expect(found.map((c) => [c.kind, c.name])).toEqual([
      ['contribution', 'T-Mobile-DE'],
      ['contribution', 'Vodafone-UK'],
      ['beacon', 'beacon'],
    ]);
  });

  it('are none in a new accumulator, and the first alone after one contribution', async () => {
    expect(await readPtauContributions(file('0'), curve)).toEqual([]);
    expect((await readPtauContributions(file('A'), curve)).map((c) => c.contributionHash)).toEqual(returned.slice(0, 1));
  });
});
