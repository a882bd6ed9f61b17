import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyByteMutation } from '../../src/fuzz/arbitraries/bytes.js';
import { parsePlan } from '../../src/fuzz/plan.js';
import { failureReport, summaryTable } from '../../src/fuzz/report.js';
import { runTarget } from '../../src/fuzz/run.js';
import { expectedPrivateExchange, varint } from '../../src/fuzz/targets/p2p-wire-model.js';
import { FUZZ_TARGETS } from '../../src/fuzz/targets/index.js';
import { decodeWith, VALID, type FuzzTarget } from '../../src/fuzz/target.js';

/**
 * CI's share of `npm run fuzz`: every target with a fixed seed and a few hundred inputs (the
 * full run takes 100,000 per target and a fresh seed). Each input is checked by its target's
 * property: valid and round-tripping, or refused by the project's own error class, with the
 * security counter moved where the layer counts. Then the harness itself: it must catch what the
 * targets exist to find.
 */

const CI_SEED = 20_261_130;
/**
 * Enough to pass every kind of input through each target (valid, mutated, random) while the file
 * stays under 15 s on a busy machine; fewer where an input costs milliseconds (a pairing, a
 * stream, an HTTP request) or the target's start does (node-api starts a whole node: about 4 s).
 */
const CI_RUNS: Readonly<Record<string, number>> = { 'p2p-wire': 60, 'node-api': 150, 'ceremony-transcript': 150, 'zkp-proof': 100, 'settlement-tx': 200 };
const DEFAULT_CI_RUNS = 300;

describe('every fuzz target, fixed seed (CI share of npm run fuzz)', () => {
  it.each(FUZZ_TARGETS.map((target) => [target.name, target] as const))('%s: every input valid or refused by its own error class', async (_name, target) => {
    const runs = CI_RUNS[target.name] ?? DEFAULT_CI_RUNS;
    const report = await runTarget(target, { runs, seed: CI_SEED });
    expect(report.failure, failureReport(report)).toBeNull();
    expect(report.inputs).toBe(runs);
    expect(report.valid, 'valid inputs were decoded').toBeGreaterThan(0);
    expect(Object.values(report.refused).reduce((sum, count) => sum + count, 0), 'hostile inputs were refused').toBeGreaterThan(0);
    expect(report.origins.mutated, 'mutations of valid encodings were tried').toBeGreaterThan(runs / 3);
  });
});

/** A decoder with the flaws the targets look for, each behind one input. */
class ToyDecodeError extends Error {
  override readonly name = 'ToyDecodeError';
}

function toyTarget(decode: (input: number) => unknown): FuzzTarget<number> {
  return {
    name: 'toy',
    description: 'a decoder with a planted flaw',
    open: () =>
      Promise.resolve({
        inputs: fc.integer({ min: 0, max: 1_000 }).map((value) => ({ origin: 'mutated' as const, value })),
        check: ({ value }) => decodeWith(() => decode(value), [ToyDecodeError], 'the toy decoder'),
        close: () => Promise.resolve(),
      }),
  };
}

describe('the fuzz harness', () => {
  it('fails on a generic error, with the seed and path that replay it', async () => {
    const target = toyTarget((input) => {
      if (input % 7 === 3) throw new TypeError('cannot read properties of undefined');
      if (input % 2 === 1) throw new ToyDecodeError('odd');
      return input;
    });
    const report = await runTarget(target, { runs: 200, seed: 42 });
    expect(report.failure?.message).toContain('threw TypeError: cannot read properties of undefined, not one of ToyDecodeError');
    expect(report.failure?.seed).toBe(42);
    expect(failureReport(report)).toMatch(/replay: npm run fuzz -- --target toy --seed 42 --path \S+/);
    // the path replays the very input
    const replay = await runTarget(target, { runs: 200, seed: 42, path: report.failure!.path! });
    expect(replay.failure?.counterexample).toBe(report.failure?.counterexample);
  });

  it('fails on a rejection nobody handled, even when the decoder answered', async () => {
    const target = toyTarget((input) => {
      if (input === 0 || input > 500) void Promise.reject(new Error('left behind'));
      return input;
    });
    const report = await runTarget(target, { runs: 100, seed: 7 });
    expect(report.failure?.message).toContain('an unhandled rejection or uncaught exception: Error: left behind');
  });

  it('counts refusals by class and prints the summary', async () => {
    const report = await runTarget(
      toyTarget((input) => {
        if (input % 2 === 1) throw new ToyDecodeError('odd');
        return input;
      }),
      { runs: 100, seed: 1 },
    );
    expect(report.failure).toBeNull();
    expect(report.valid + (report.refused.ToyDecodeError ?? 0)).toBe(100);
    expect(summaryTable([report])).toMatch(/toy\s+100\s+\d+\s+0\s+[\d.]+\s+[\d,]+\s+ToyDecodeError \d+/);
    expect(decodeWith(() => 1, [ToyDecodeError], 'x')).toBe(VALID);
  });

  it('mutates copies, never the seed (Buffer.slice is a view)', () => {
    const seed = Buffer.from([1, 2, 3]);
    const flipped = applyByteMutation(seed, { kind: 'flip', at: 1, bit: 0 });
    expect([...flipped]).toEqual([1, 3, 3]);
    expect([...seed]).toEqual([1, 2, 3]);
    expect([...applyByteMutation(seed, { kind: 'nest', head: 0x81, depth: 2 })]).toEqual([0x81, 0x81, 1, 2, 3]);
  });

  it('parses its options: runs, targets, seed, path', () => {
    const plan = parsePlan(['--runs', '500', '--target', 'genesis,records', '--seed', '9'], FUZZ_TARGETS);
    expect(plan).toMatchObject({ runs: 500, seed: 9, path: undefined });
    expect(plan.targets.map((target) => target.name)).toEqual(['genesis', 'records']);
    expect(parsePlan([], FUZZ_TARGETS, () => 5)).toMatchObject({ runs: 100_000, seed: 5 });
    expect(() => parsePlan(['--target', 'nothing'], FUZZ_TARGETS)).toThrow('unknown target(s) nothing');
    expect(() => parsePlan(['--path', '1:2'], FUZZ_TARGETS)).toThrow('--path replays one failure');
  });
});

describe("the p2p-wire target's reading of the private message format", () => {
  const frame = (payload: Uint8Array) => Uint8Array.from([...varint(payload.byteLength), ...payload]);
  const offer = (bodyBytes: number, header: readonly number[]) => frame(Uint8Array.from([0, 0, bodyBytes >> 8, bodyBytes & 0xff, ...header]));

  it('takes a well-framed authorized message', () => {
    const expected = expectedPrivateExchange(Uint8Array.from([...offer(2, [1, 9]), ...frame(Uint8Array.of(5, 6))]), 1_024);
    expect(expected).toMatchObject({ statuses: [0, 0], fault: null, delivered: { header: Uint8Array.of(1, 9), body: Uint8Array.of(5, 6) } });
  });

  it('refuses a length prefix longer than the limit needs as oversized, and a short body as malformed', () => {
    expect(expectedPrivateExchange(Uint8Array.of(0x80, 0x80, 0x80, 0x01), 1_024)).toMatchObject({ statuses: [], fault: 'oversized' });
    expect(expectedPrivateExchange(Uint8Array.from([...offer(3, [1]), ...frame(Uint8Array.of(5))]), 1_024)).toMatchObject({ statuses: [0, 6], fault: 'malformed' });
    expect(expectedPrivateExchange(offer(2_000, [1]), 1_024)).toMatchObject({ statuses: [5], fault: 'oversized' });
    expect(expectedPrivateExchange(offer(2, [0]), 1_024)).toMatchObject({ statuses: [4], fault: null });
    expect(expectedPrivateExchange(Uint8Array.of(0x05, 1, 2), 1_024)).toMatchObject({ statuses: [], fault: null, refusal: 'stream ended in the offer' });
  });
});
