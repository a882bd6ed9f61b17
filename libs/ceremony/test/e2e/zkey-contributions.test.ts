import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestKeys, type TestKeys } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contributionMismatch, readZkeyContributions, type LaneState } from '../../src/index.js';

/**
 * Real snarkjs phase-2 files of the small test circuit (settlement-4): what readZkeyContributions
 * finds in a file is what snarkjs returned for each contribution, and a file built on an older one
 * (a contributor dropped) verifies with snarkjs yet is caught by the comparison with the transcript.
 */

let keys: TestKeys;
let dir: string;
let curve: snarkjs.Curve;
const entropy = () => randomBytes(32).toString('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const file = (name: string) => join(dir, `${name}.zkey`);
/** The contribution hashes snarkjs returned, by file name. */
const returned = new Map<string, string>();

beforeAll(async () => {
  keys = await ensureTestKeys('settlement-4');
  dir = await mkdtemp(join(tmpdir(), 'ceremony-zkey-'));
  curve = await snarkjs.curves.getCurveFromName('bn128');
  // Phase 2's first file: snarkjs's newZKey of the circuit, made with the test keys.
  await copyFile(keys.initZkeyPath, file('0'));
  returned.set('A', hex(await snarkjs.zKey.contribute(file('0'), file('A'), 'T-Mobile-DE', entropy())));
  returned.set('B', hex(await snarkjs.zKey.contribute(file('A'), file('B'), 'Vodafone-UK', entropy())));
  returned.set('C', hex(await snarkjs.zKey.contribute(file('B'), file('C'), 'Orange-FR', entropy())));
  // Orange-FR again, but on T-Mobile-DE's file: Vodafone-UK's contribution is dropped.
  returned.set('forked', hex(await snarkjs.zKey.contribute(file('A'), file('forked'), 'Orange-FR', entropy())));
  returned.set('final', hex(await snarkjs.zKey.beacon(file('C'), file('final'), 'beacon', 'ab'.repeat(32), 10)));
}, 300_000);

afterAll(async () => {
  await curve?.terminate();
  await rm(dir, { recursive: true, force: true });
});

const laneOf = (contributors: string[], hashes: string[]): LaneState => ({ lane: { phase: 2, circuit: 'settlement-4' }, lastSha256: null, contributors, contributionHashes: hashes, skipped: [], closed: true });

describe('the contributions a zkey file holds', () => {
  it('are the hashes snarkjs returned, in order, with the names given and the beacon last', async () => {
    const found = await readZkeyContributions(file('final'), curve);
    expect(found.contributions.map((c) => c.contributionHash)).toEqual([returned.get('A'), returned.get('B'), returned.get('C'), returned.get('final')]);
    expect(found.contributions.map((c) => [c.name, c.kind])).toEqual([
      ['T-Mobile-DE', 'contribution'],
      ['Vodafone-UK', 'contribution'],
      ['Orange-FR', 'contribution'],
      ['beacon', 'beacon'],
    ]);
    expect(found.circuitHash).toMatch(/^[0-9a-f]{128}$/);
    expect((await readZkeyContributions(file('0'), curve)).contributions).toEqual([]);
  });

  it('agree with a transcript that signs for the same contributions', async () => {
    const found = (await readZkeyContributions(file('final'), curve)).contributions.map((c) => c.contributionHash);
    const lane = laneOf(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'], [returned.get('A')!, returned.get('B')!, returned.get('C')!]);
    expect(contributionMismatch(lane, returned.get('final')!, found)).toBeNull();
  });

  it('show a dropped contributor that snarkjs accepts', async () => {
    // snarkjs verifies the forked file against the initial one: each contribution only follows the one before it in the file.
    expect(await snarkjs.zKey.verifyFromInit(file('0'), keys.preparedPtauPath, file('forked'))).toBe(true);
    const found = (await readZkeyContributions(file('forked'), curve)).contributions.map((c) => c.contributionHash);
    const transcript = laneOf(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'], [returned.get('A')!, returned.get('B')!, returned.get('forked')!]);
    expect(contributionMismatch(transcript, null, found)).toMatch(/^phase 2 of settlement-4: contribution #2 of the file .* is not Vodafone-UK's contribution .*: dropped, replaced or reordered$/);
  }, 120_000);

  it('show a contribution the transcript does not sign for, and one missing from the file', () => {
    const found = [returned.get('A')!, returned.get('B')!];
    expect(contributionMismatch(laneOf(['T-Mobile-DE'], [returned.get('A')!]), null, found)).toMatch(/the file holds 2 contributions, the transcript signs for 1; #2 .* is in no transcript entry/);
    expect(contributionMismatch(laneOf(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'], [returned.get('A')!, returned.get('B')!, returned.get('C')!]), null, found)).toMatch(/Orange-FR's contribution \(#3\) is missing from the file/);
  });
});
