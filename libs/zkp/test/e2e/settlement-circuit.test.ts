import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_DOMAIN, CIRCUITS, ensureTestKeys, REPOSITORY_ROOT, type TestKeys } from '@consortium/circuits';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRecord, spongeCommitment } from '../../src/witness/commitment.js';
import { periodToField, tadigToField } from '../../src/witness/field.js';
import { buildSettlementWitness, publicSignalsOf } from '../../src/witness/witness.js';
import { record, sampleBatch } from '../support/batches.js';

/**
 * The settlement circuit itself (settlement-4: batches of 4 records), compiled by circom2 and
 * proved with real test keys. Each rule has a test where breaking it leaves no valid witness,
 * and a valid proof does not verify for another statement.
 */

const PARAMS = CIRCUITS['settlement-4']!.params;
let keys: TestKeys;

beforeAll(async () => {
  keys = await ensureTestKeys('settlement-4');
}, 300_000);

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

type Input = Record<string, string | readonly string[]>;

/**
 * Which rule an input breaks: the witness calculator stops at the first failed constraint and
 * names its template and line, so each negative test checks the rule it is about.
 */
async function brokenRule(input: Input): Promise<string | null> {
  try {
    await snarkjs.wtns.calculate(input, keys.wasmPath, { type: 'mem' });
    return null;
  } catch (error) {
    const match = /Assert Failed\. Error in template (\w+?)_\d+ line: (\d+)/.exec(String(error));
    if (match === null) throw error;
    return match[1] === 'Settlement' ? `line ${match[2]}` : match[1]!;
  }
}

const satisfies = async (input: Input) => (await brokenRule(input)) === null;

const circuitSource = readFileSync(join(REPOSITORY_ROOT, 'circuits/settlement/settlement.circom'), 'utf8').split('\n');
/** The rule written as `constraint` in settlement.circom, as brokenRule names it. */
function rule(constraint: string): string {
  const index = circuitSource.findIndex((line) => line.includes(constraint));
  if (index < 0) throw new Error(`settlement.circom has no line with ${constraint}`);
  return `line ${index + 1}`;
}

const withIndex = (values: readonly string[], index: number, value: string) => values.map((v, i) => (i === index ? value : v));

describe('settlement circuit', () => {
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
    const empty = buildSettlementWitness(sampleBatch([]), PARAMS);
    expect(empty.publicInputs.total).toBe(0n);
    expect(await satisfies(empty.input)).toBe(true);
  });

  it('computes the same commitments in TypeScript as in the circuit (one off and there is no witness)', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await satisfies(input)).toBe(true);
    expect(await brokenRule({ ...input, batchCommitment: (BigInt(input.batchCommitment as string) + 1n).toString() })).toBe(rule('batchCommitment ==='));
    expect(await brokenRule({ ...input, rateCommitment: (BigInt(input.rateCommitment as string) + 1n).toString() })).toBe(rule('rateCommitment ==='));
  });

  it('refuses a wrong total', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await brokenRule({ ...input, total: (BigInt(input.total as string) + 1n).toString() })).toBe(rule('total === sum'));
    expect(await brokenRule({ ...input, total: (BigInt(input.total as string) - 1n).toString() })).toBe(rule('total === sum'));
  });

  it('refuses a rate other than the committed one', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    const rates = input.rate as string[];
    // data at 1,200 instead of 1,100, with the total recomputed to match: only the rate commitment can catch it
    const total = 1_500n * 1_200n + 125n * 317n + 3n * 3_000n;
    expect(await brokenRule({ ...input, rate: withIndex(rates, 3, '1200'), total: total.toString() })).toBe(rule('rateCommitment ==='));
  });

  it('refuses a record changed after its commitment', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    // the first record's volume lowered to 1,000 MB, total recomputed: the batch commitment no longer matches
    const total = 1_000n * 1_100n + 125n * 317n + 3n * 3_000n;
    expect(await brokenRule({ ...input, volume: withIndex(input.volume as string[], 0, '1000'), total: total.toString() })).toBe(rule('batchCommitment ==='));
    // another record id, same volume
    expect(await brokenRule({ ...input, recordId: withIndex(input.recordId as string[], 1, '99') })).toBe(rule('batchCommitment ==='));
  });

  it('refuses a volume out of range even when the commitment is built over it', async () => {
    const batch = sampleBatch([record(1, 'data', 5)]);
    const { input } = buildSettlementWitness(batch, PARAMS);
    const huge = 2n ** 32n; // one past the 32-bit range: it would wrap into the record id's bits
    const bad = { ...batch.records[0]!, volume: huge };
    const packed = huge + (1n << 32n) + (3n << 64n); // data = service 3
    const elements = [packed, bad.salt, ...Array<bigint>(6).fill(0n)];
    const creditor = tadigToField('FRAF1');
    const debtor = tadigToField('DEUD1');
    const commitment = spongeCommitment([BATCH_DOMAIN, creditor, debtor, periodToField('2026-11'), 1n], elements);
    expect(packRecord({ ...bad, volume: 0n, recordId: 2n })).toBe(packed); // the aliasing the range check prevents
    const attempt = { ...input, volume: withIndex(input.volume as string[], 0, huge.toString()), batchCommitment: commitment.toString(), total: (huge * 1_100n).toString() };
    expect(await brokenRule(attempt)).toBe('Num2Bits');
  });

  it('refuses abused padding: usage hidden in a padding slot', async () => {
    const batch = sampleBatch([record(1, 'data', 5)]);
    const { input } = buildSettlementWitness(batch, PARAMS);
    const creditor = tadigToField('FRAF1');
    const debtor = tadigToField('DEUD1');
    // a second record placed in slot 1 while count stays 1, with a commitment that includes it
    const hidden = record(2, 'data', 7);
    const elements = [packRecord(batch.records[0]!), batch.records[0]!.salt, packRecord(hidden), hidden.salt, 0n, 0n, 0n, 0n];
    const commitment = spongeCommitment([BATCH_DOMAIN, creditor, debtor, periodToField('2026-11'), 1n], elements);
    const attempt = {
      ...input,
      recordId: withIndex(input.recordId as string[], 1, '2'),
      service: withIndex(input.service as string[], 1, '3'),
      volume: withIndex(input.volume as string[], 1, '7'),
      salt: withIndex(input.salt as string[], 1, hidden.salt.toString()),
      batchCommitment: commitment.toString(),
    };
    expect(await brokenRule(attempt)).toBe(rule('(1 - isReal[i]) * packed[i] === 0'));
    // claiming more records than the batch holds
    expect(await brokenRule({ ...input, count: '5' })).toBe(rule('realCount === count'));
  });

  it('counts no record twice: not within a batch, and the proof states which record ids it covers', async () => {
    // record 2 twice in one batch: no witness may exist for it
    const twice = sampleBatch([record(1, 'data', 10), record(2, 'sms', 1), record(2, 'sms', 1)]);
    const witnessOfTwice = (() => {
      try {
        return buildSettlementWitness(twice, PARAMS);
      } catch {
        return null;
      }
    })();
    if (witnessOfTwice !== null) expect(await satisfies(witnessOfTwice.input)).toBe(false);
    // two batches of one period both holding record 3: the public inputs must name the id
    // range each proof covers, so the chain can refuse the second (ranges must be contiguous)
    const first = buildSettlementWitness(sampleBatch([record(1, 'data', 10), record(2, 'sms', 1), record(3, 'sms', 2)]), PARAMS).publicInputs as unknown as Record<string, bigint>;
    const second = buildSettlementWitness(sampleBatch([record(3, 'sms', 2), record(4, 'data', 5)]), PARAMS).publicInputs as unknown as Record<string, bigint>;
    expect(first.firstId).toBe(1n);
    expect(second.firstId).toBe(3n);
    expect(first.firstId! + first.count! > second.firstId!).toBe(true); // the overlap the chain sees
  });

  it('refuses a statement of a member with itself', async () => {
    const { input } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(await brokenRule({ ...input, debtor: input.creditor as string })).toBe(rule('sameMember.out === 0'));
  });

  it('binds the statement: a proof does not verify for another creditor, debtor, period, count or commitment', async () => {
    const witness = buildSettlementWitness(sampleBatch(), PARAMS);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
    const replays = [
      withIndex(publicSignals, 0, tadigToField('GBRVF').toString()), // another creditor
      withIndex(publicSignals, 1, tadigToField('NORTM').toString()), // another debtor
      withIndex(publicSignals, 2, periodToField('2026-12').toString()), // another period
      withIndex(publicSignals, 3, '2'), // another count
      withIndex(publicSignals, 4, '12345'), // another batch
      withIndex(publicSignals, 6, '1'), // another total
    ];
    for (const replayed of replays) expect(await snarkjs.groth16.verify(keys.vkey, replayed, proof)).toBe(false);
  });
});
