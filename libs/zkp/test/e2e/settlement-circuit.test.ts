import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCircuit, CIRCUITS, REPOSITORY_ROOT, type BuiltCircuit } from '@consortium/circuits';
import { ensureTestKeys, type TestKeys } from '../../src/index.js';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRecords } from '../../src/witness/commitment.js';
import { WitnessInputError } from '../../src/witness/field.js';
import { buildSettlementWitness, publicSignalsOf } from '../../src/witness/witness.js';
import { forgedCommitment, record, sampleBatch } from '../support/batches.js';

/**
 * The settlement circuit (v2) run by its witness calculator: settlement-4 (batches of 4 records)
 * with real test keys, and settlement-16 (three packed elements) for the commitments. Each rule
 * has a test where breaking it leaves no witness, and a valid proof does not verify for another
 * statement. The calculator follows the circuit's `<--` hints, so these tests cannot see an
 * under-constrained signal: settlement-constraints.test.ts checks forged witnesses against the
 * constraints themselves.
 */

const PARAMS = CIRCUITS['settlement-4']!.params;
const PARAMS_16 = CIRCUITS['settlement-16']!.params;
let keys: TestKeys;
let circuit16: BuiltCircuit;

beforeAll(async () => {
  keys = await ensureTestKeys('settlement-4');
  circuit16 = await buildCircuit('settlement-16');
}, 900_000); // new test keys take about a minute on a quiet machine, several on a busy one

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

type Input = Record<string, string | readonly string[]>;

/**
 * Which rule an input breaks: the witness calculator stops at the first failed constraint and
 * names its template and line, so each negative test checks the rule it is about.
 */
async function brokenRule(input: Input, wasmPath = keys.wasmPath): Promise<string | null> {
  try {
    await snarkjs.wtns.calculate(input, wasmPath, { type: 'mem' });
    return null;
  } catch (error) {
    const match = /Assert Failed\. Error in template (\w+?)_\d+ line: (\d+)/.exec(String(error));
    if (match === null) throw error;
    return match[1] === 'Settlement' ? `line ${match[2]}` : match[1]!;
  }
}

const satisfies = async (input: Input, wasmPath?: string) => (await brokenRule(input, wasmPath)) === null;

const circuitSource = readFileSync(join(REPOSITORY_ROOT, 'circuits/settlement/settlement.circom'), 'utf8').split('\n');
/** The rule written as `constraint` in settlement.circom, as brokenRule names it. */
function rule(constraint: string): string {
  const index = circuitSource.findIndex((line) => line.includes(constraint));
  if (index < 0) throw new Error(`settlement.circom has no line with ${constraint}`);
  return `line ${index + 1}`;
}

const withIndex = (values: readonly string[], index: number, value: string) => values.map((v, i) => (i === index ? value : v));
const plus = (value: string | readonly string[] | undefined, delta: bigint) => (BigInt(value as string) + delta).toString();

describe('settlement circuit v2', () => {
  it('proves a valid batch (3 records + 1 padding) and the proof verifies', async () => {
    const witness = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(witness.publicInputs.total).toBe(1_500n * 1_100n + 125n * 317n + 3n * 3_000n);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
    expect(publicSignals).toEqual(publicSignalsOf(witness.publicInputs));
    expect(await snarkjs.groth16.verify(keys.vkey, publicSignals, proof)).toBe(true);
  });

  it('accepts a full batch and an empty one', async () => {
    const full = sampleBatch([record(1, 'data', 10), record(2, 'data', 20), record(3, 'voice_mt', 30), record(4, 'sms', 40)]);
    expect(await satisfies(buildSettlementWitness(full, PARAMS).input)).toBe(true);
    const empty = buildSettlementWitness(sampleBatch([], 17n), PARAMS);
    expect(empty.publicInputs).toMatchObject({ total: 0n, count: 0n, firstId: 17n });
    expect(await satisfies(empty.input)).toBe(true);
  });

  it('computes the same commitments in TypeScript as in the circuit (one off and there is no witness)', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await satisfies(input)).toBe(true);
    expect(await brokenRule({ ...input, batchCommitment: plus(input.batchCommitment, 1n) })).toBe(rule('batchCommitment ==='));
    expect(await brokenRule({ ...input, rateCommitment: plus(input.rateCommitment, 1n) })).toBe(rule('rateCommitment ==='));
  });

  it('packs records 7 per element exactly as the circuit does (settlement-16: three elements, every slot and service)', async () => {
    const services = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;
    // volumes with high bits set, so a slot shifted by one bit or one record would show
    const records = Array.from({ length: 16 }, (_, i) => record(1_000 + i, services[i % 4]!, 2 ** 32 - 1 - i * 7_919));
    const batch = sampleBatch(records);
    expect(packRecords(records, 16)).toHaveLength(3);
    const witness = buildSettlementWitness(batch, PARAMS_16);
    const wasm = join(circuit16.dir, circuit16.manifest.files.wasm.path);
    expect(await satisfies(witness.input, wasm)).toBe(true);
    // a partial batch: its padding slots are zeros in the TypeScript packing too
    const partial = buildSettlementWitness(sampleBatch(records.slice(0, 9)), PARAMS_16);
    expect(await satisfies(partial.input, wasm)).toBe(true);
    // two records swapped: same multiset, another commitment
    const swapped = { ...witness.input, volume: [(witness.input.volume as string[])[1]!, (witness.input.volume as string[])[0]!, ...(witness.input.volume as string[]).slice(2)] };
    const swappedServices = { ...swapped, service: [(witness.input.service as string[])[1]!, (witness.input.service as string[])[0]!, ...(witness.input.service as string[]).slice(2)] };
    expect(await brokenRule(swappedServices, wasm)).toBe(rule('batchCommitment ==='));
  });

  it('refuses a wrong total', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await brokenRule({ ...input, total: plus(input.total, 1n) })).toBe(rule('total === sum'));
    expect(await brokenRule({ ...input, total: plus(input.total, -1n) })).toBe(rule('total === sum'));
  });

  it('refuses a rate other than the committed one', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    // data at 1,200 instead of 1,100, with the total recomputed to match: only the rate commitment can catch it
    const total = 1_500n * 1_200n + 125n * 317n + 3n * 3_000n;
    expect(await brokenRule({ ...input, rate: withIndex(input.rate as string[], 3, '1200'), total: total.toString() })).toBe(rule('rateCommitment ==='));
  });

  it('refuses a record changed after its commitment', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    // the first record's volume lowered to 1,000 MB, total recomputed: the batch commitment no longer matches
    const total = 1_000n * 1_100n + 125n * 317n + 3n * 3_000n;
    expect(await brokenRule({ ...input, volume: withIndex(input.volume as string[], 0, '1000'), total: total.toString() })).toBe(rule('batchCommitment ==='));
    // the SMS billed as data, total recomputed
    const asData = 1_500n * 1_100n + 125n * 317n + 3n * 1_100n;
    expect(await brokenRule({ ...input, service: withIndex(input.service as string[], 2, '3'), total: asData.toString() })).toBe(rule('batchCommitment ==='));
    // the batch salt changed
    expect(await brokenRule({ ...input, salt: plus(input.salt, 1n) })).toBe(rule('batchCommitment ==='));
  });

  it('refuses a volume out of range even when the commitment is built over it', async () => {
    const batch = sampleBatch([record(1, 'voice_mo', 5)]);
    const { input } = buildSettlementWitness(batch, PARAMS);
    // one past the 32-bit range: packed, it reads as volume 0 of service 1 (voice_mt)
    const huge = 2n ** 32n;
    const commitment = forgedCommitment(batch, PARAMS.batchSize, [{ volume: huge, service: 0n }], 1n);
    expect(commitment).toBe(forgedCommitment(batch, PARAMS.batchSize, [{ volume: 0n, service: 1n }], 1n)); // the aliasing the range check prevents
    const attempt = { ...input, volume: withIndex(input.volume as string[], 0, huge.toString()), batchCommitment: commitment.toString(), total: (huge * 317n).toString() };
    expect(await brokenRule(attempt)).toBe('Num2Bits');
    // a service index past the rate table (4 = voice_mo at volume + 2^34)
    const service4 = forgedCommitment(batch, PARAMS.batchSize, [{ volume: 5n, service: 4n }], 1n);
    expect(await brokenRule({ ...input, service: withIndex(input.service as string[], 0, '4'), batchCommitment: service4.toString() })).toBe('Num2Bits');
  });

  it('refuses abused padding: usage hidden in a padding slot, or more records claimed than the batch holds', async () => {
    const batch = sampleBatch([record(1, 'data', 5)]);
    const { input } = buildSettlementWitness(batch, PARAMS);
    // a second record placed in slot 1 while count stays 1, with a commitment that includes it
    const commitment = forgedCommitment(batch, PARAMS.batchSize, [{ volume: 5n, service: 3n }, { volume: 7n, service: 3n }], 1n);
    const attempt = { ...input, service: withIndex(input.service as string[], 1, '3'), volume: withIndex(input.volume as string[], 1, '7'), batchCommitment: commitment.toString() };
    expect(await brokenRule(attempt)).toBe(rule('(1 - isReal[i]) * record[i] === 0'));
    // claiming more records than the batch holds
    const five = forgedCommitment(batch, PARAMS.batchSize, [{ volume: 5n, service: 3n }], 5n);
    expect(await brokenRule({ ...input, count: '5', batchCommitment: five.toString() })).toBe(rule('realCount === count'));
  });

  it('refuses a statement of a member with itself', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await brokenRule({ ...input, debtor: input.creditor as string })).toBe(rule('sameMember.out === 0'));
  });

  it('counts no record twice: not within a batch, and the proof states which record ids it covers', async () => {
    // record 2 twice in one batch: ids are positional, so the third record must be record 3
    const twice = sampleBatch([record(1, 'data', 10), record(2, 'sms', 1), record(2, 'sms', 1)]);
    expect(() => buildSettlementWitness(twice, PARAMS)).toThrow(WitnessInputError);
    expect(() => buildSettlementWitness(twice, PARAMS)).toThrow('records[2].recordId = 2, but record ids are positional: in a batch starting at 1, records[2] has id 3');
    // two batches of one period both holding record 3: the public inputs name the id range each
    // proof covers, so the chain refuses the second (the ranges of a pair's period are contiguous)
    const first = buildSettlementWitness(sampleBatch([record(1, 'data', 10), record(2, 'sms', 1), record(3, 'sms', 2)]), PARAMS).publicInputs;
    const second = buildSettlementWitness(sampleBatch([record(3, 'sms', 2), record(4, 'data', 5)]), PARAMS).publicInputs;
    expect([first.firstId, first.count, second.firstId]).toEqual([1n, 3n, 3n]);
    expect(first.firstId + first.count > second.firstId).toBe(true); // the overlap the chain sees
    // and the records of a commitment cannot be moved to other ids: firstId is committed
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await brokenRule({ ...input, firstId: '4' })).toBe(rule('batchCommitment ==='));
  });

  it('binds the statement: a proof does not verify for another creditor, debtor, period, id range, commitment or total', async () => {
    const witness = buildSettlementWitness(sampleBatch(), PARAMS);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
    const replays = [
      withIndex(publicSignals, 0, publicSignals[1]!), // another creditor
      withIndex(publicSignals, 1, publicSignals[0]!), // another debtor
      withIndex(publicSignals, 2, '202612'), // another period
      withIndex(publicSignals, 3, '4'), // the same records claimed as ids 4..6 (a later batch)
      withIndex(publicSignals, 4, '2'), // another count
      withIndex(publicSignals, 5, '12345'), // another batch
      withIndex(publicSignals, 6, '12345'), // another rate table
      withIndex(publicSignals, 7, '1'), // another total
    ];
    for (const replayed of replays) expect(await snarkjs.groth16.verify(keys.vkey, replayed, proof)).toBe(false);
  });
});
