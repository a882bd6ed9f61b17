import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snarkjsProgress, type SnarkjsTask } from '../../src/snarkjs-progress.js';

/** Logger lines snarkjs 0.7.6 wrote during demo ceremonies of settlement-4 (power 11) and settlement-64 (power 14), with their times. */
function loggedLines(power: number) {
  return readFileSync(join(import.meta.dirname, `fixtures/snarkjs-log-power-${power}.txt`), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [ms, step, , ...message] = line.split(' ');
      return { ms: Number(ms), step: step!, message: message.join(' ') };
    });
}

/**
 * How far the share may stray from the share of the time spent, at any line. newZKey's sections
 * log chunk by chunk, in entries rather than in the points that make up the cost, so it is the
 * roughest at 2^14.
 */
const CASES: [number, string, SnarkjsTask, number][] = [
  [11, 'contribute', 'ptau-contribute', 0.15],
  [11, 'beacon', 'ptau-beacon', 0.15],
  [11, 'prepare', 'prepare-phase2', 0.15],
  [11, 'newzkey', 'new-zkey', 0.15],
  [14, 'contribute', 'ptau-contribute', 0.15],
  [14, 'beacon', 'ptau-beacon', 0.15],
  [14, 'prepare', 'prepare-phase2', 0.15],
  [14, 'newzkey', 'new-zkey', 0.25],
];

describe('snarkjs progress from real logger lines', () => {
  it.each(CASES)('power %i, %s: never goes back, nears 1, and stays close to the share of the time spent', (power, step, task, tolerance) => {
    const lines = loggedLines(power).filter((line) => line.step === step);
    const first = lines[0]!.ms;
    const last = lines.at(-1)!.ms;
    const tracker = snarkjsProgress(task, power);
    let previous = 0;
    let worst = 0;
    for (const line of lines) {
      const share = tracker.feed(line.message);
      if (share === null) continue;
      expect(share).toBeGreaterThanOrEqual(previous);
      previous = share;
      worst = Math.max(worst, Math.abs(share - (line.ms - first) / (last - first)));
    }
    // The last lines come just before the end (newZKey's last one before its final hashing).
    expect(tracker.done).toBeGreaterThan(0.9);
    expect(worst).toBeLessThan(tolerance);
  });
});

describe('snarkjs progress lines', () => {
  it('is null until a line with numbers comes, and ignores lines it does not know', () => {
    const tracker = snarkjsProgress('ptau-contribute', 14);
    expect(tracker.feed('Calculate Initial Hash: tauG1')).toBeNull();
    expect(tracker.feed('Contribution Response Hash imported: ')).toBeNull();
    expect(tracker.feed('processing: tauG1: 0/32767')).toBe(0);
    expect(tracker.feed('something else entirely 3/4')).toBe(0);
  });

  it('weights the sections of a powers-of-tau file by their points (G2 three times G1)', () => {
    const tracker = snarkjsProgress('ptau-contribute', 14);
    // tauG1 (2^15 G1 points) counts 2, tauG2 (2^14 G2) 3, alphaTauG1 and betaTauG1 1 each: 7 in all.
    expect(tracker.feed('processing: tauG1: 16384/32767')).toBeCloseTo(1 / 7, 3);
    expect(tracker.feed('processing: tauG2: 0/16384')).toBeCloseTo(2 / 7);
    expect(tracker.feed('processing: alphaTauG1: 0/16384')).toBeCloseTo(5 / 7);
    expect(tracker.feed('processing: betaTauG2: 0/1')).toBeCloseTo(1);
    const beacon = snarkjsProgress('ptau-beacon', 14);
    expect(beacon.feed('applying keytauG2: 8192/16384')).toBeCloseTo(3.5 / 7);
  });

  it('never moves back on a line from earlier work', () => {
    const tracker = snarkjsProgress('ptau-contribute', 14);
    tracker.feed('processing: tauG2: 0/16384');
    expect(tracker.feed('processing: tauG1: 0/32767')).toBeCloseTo(2 / 7);
  });

  it('follows preparePhase2 through its sections and FFTs, the largest FFT weighing most', () => {
    const tracker = snarkjsProgress('prepare-phase2', 14);
    expect(tracker.feed('Starting section: tauG1')).toBe(0);
    const beforeLargest = tracker.feed('tauG1: fft 15 mix start: 0/2')!;
    // tauG1 is 1.6 of 7.1 (tauG2 3.5, alphaTauG1 and betaTauG1 1 each): about 23% of the whole.
    // An FFT over 2^p points costs about p * 2^p, so the FFTs up to 2^14 together cost nearly as
    // much as the one over 2^15: a bit under half of tauG1, about 10% of the whole.
    expect(beforeLargest).toBeGreaterThan(0.09);
    expect(beforeLargest).toBeLessThan(0.12);
    const mixed = tracker.feed('tauG1: fft 15 mix end: 1/2')!;
    const bothMixed = tracker.feed('tauG1: fft 15 mix end: 0/2')!;
    expect(mixed).toBeGreaterThan(beforeLargest);
    expect(bothMixed).toBeGreaterThan(mixed);
    const joined = tracker.feed('tauG1: fft  15  join: 15/15')!;
    expect(joined).toBeGreaterThanOrEqual(bothMixed);
    const joinDone = tracker.feed('tauG1: fft 15 join  15/15  1/1 0/1')!;
    expect(joinDone).toBeGreaterThan(joined);
    expect(tracker.feed('Starting section: tauG2')).toBeCloseTo(joinDone, 6); // the end of tauG1 is the start of tauG2
    // tauG2 costs three times alphaTauG1, which costs as much as betaTauG1.
    const alpha = tracker.feed('Starting section: alphaTauG1')!;
    const beta = tracker.feed('Starting section: betaTauG1')!;
    expect(beta - alpha).toBeCloseTo(1 - beta, 6);
    expect(tracker.feed('betaTauG1: fft 14 join  14/14  1/1 0/1')).toBeCloseTo(1, 6);
  });

  it('follows newZKey through its point sections, chunk by chunk', () => {
    const tracker = snarkjsProgress('new-zkey', 14);
    expect(tracker.feed('Reading r1cs')).toBeNull();
    expect(tracker.feed('processing constraints: 0/11041')).toBe(0);
    const c = tracker.feed('Writing points start C: 0/1719')!;
    tracker.feed('Writing points start C: 1342/1719');
    const lastChunk = tracker.feed('Writing points end C: 1342/1719')!;
    const firstChunk = tracker.feed('Writing points end C: 0/1719')!;
    expect(lastChunk).toBeGreaterThan(c);
    expect(firstChunk).toBeGreaterThan(lastChunk);
    expect(tracker.feed('Writing points start A: 0/1727')).toBeCloseTo(firstChunk, 6); // C done
    expect(tracker.feed('Writing points end B2: 0/1727')).toBe(1);
  });

  it('follows newAccumulator, whose lines carry no total (it follows from the power)', () => {
    const tracker = snarkjsProgress('ptau-new', 16);
    expect(tracker.feed('tauG1: 100000')).toBeCloseTo((2 * (100_000 / (2 ** 17 - 1))) / 6);
    expect(tracker.feed('tauG2: 0')).toBeCloseTo(2 / 6); // tauG1 (2^17 G1 points) done
    expect(tracker.feed('alphaTauG1: 65536')).toBeCloseTo(5 / 6);
    expect(tracker.feed('Calculate Initial Hash: tauG1')).toBeCloseTo(5 / 6);
  });

  it('follows the application of a key in phase 2 (contribution, beacon)', () => {
    const tracker = snarkjsProgress('zkey-contribute', 14);
    expect(tracker.feed('Applying key: L Section: 0/11034')).toBe(0);
    expect(tracker.feed('Applying key: L Section: 5517/11034')).toBeCloseTo(0.25);
    expect(tracker.feed('Applying key H Section: 0/16384')).toBeCloseTo(0.5);
  });
});

describe('prepare phase 2 for some domains only', () => {
  it('counts only the transforms made: the lines of the domains prepared run from 0 to 1, never back', () => {
    // The lines preparePhase2ForDomains writes for a 2^11 circuit: snarkjs's, for domains 11 (and 12 for tau G1) only.
    const lines = loggedLines(11)
      .filter((line) => line.step === 'prepare')
      .map((line) => line.message)
      .filter((message) => message.startsWith('Starting section') || /: fft +1[12] /.test(message));
    const tracker = snarkjsProgress('prepare-phase2', 11, { tauG1: [11, 12], tauG2: [11], alphaTauG1: [11], betaTauG1: [11] });
    let previous = 0;
    for (const message of lines) {
      const share = tracker.feed(message);
      expect(share ?? 0).toBeGreaterThanOrEqual(previous);
      previous = share ?? previous;
    }
    expect(tracker.done).toBeGreaterThan(0.95);
    // Half way through the lines is about half way through the work (tau G2's transform is the dearest).
    const half = snarkjsProgress('prepare-phase2', 11, { tauG1: [11, 12], tauG2: [11], alphaTauG1: [11], betaTauG1: [11] });
    for (const message of lines.slice(0, lines.indexOf('Starting section: alphaTauG1'))) half.feed(message);
    expect(half.done).toBeGreaterThan(0.6);
    expect(half.done).toBeLessThan(0.85);
  });
});
