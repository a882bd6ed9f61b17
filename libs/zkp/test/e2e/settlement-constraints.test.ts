import { buildCircuit, calculateSignals, CIRCUITS, ConstraintSystem, type BuiltCircuit, type SignalValues, type Violation } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchCommitment, rateCommitment } from '../../src/witness/commitment.js';
import type { SettlementBatch } from '../../src/witness/domain.js';
import { FIELD_MODULUS, tadigToField } from '../../src/witness/field.js';
import { buildSettlementWitness } from '../../src/witness/witness.js';
import { EU_RATES, forgedCommitment, forgedRateCommitment, record, sampleBatch } from '../support/batches.js';

/**
 * The settlement circuit's rules checked at the level of its constraints, with witnesses a
 * dishonest prover could make. The witness calculator follows the circuit's hints (`<--`) and
 * stops at the first failed assertion, so tests that run it (settlement-circuit.test.ts) can
 * never show a signal the constraints leave free. Here every signal is computed by the
 * circuit's `forging` build (the same signals without the rules, see circuits' forging-source.ts)
 * from inputs the circuit must refuse, hinted signals such as the padding mask are then set by
 * hand, and the result is checked against the r1cs the keys are made from with snarkjs's
 * witness check (`snarkjs wtns check`). Each forgery also names the rule that refuses it: the
 * constraints it breaks in the unoptimised r1cs (one constraint per line of the source) all
 * belong to that rule, so without the rule the forgery would be a valid witness.
 */

const NAME = 'settlement-4';
const N = CIRCUITS[NAME]!.params.batchSize;
const P = FIELD_MODULUS;

let forging: BuiltCircuit;
let production: ConstraintSystem;
let unoptimised: ConstraintSystem;

beforeAll(async () => {
  forging = await buildCircuit(NAME, { variant: 'forging' });
  production = await ConstraintSystem.load(await buildCircuit(NAME));
  unoptimised = await ConstraintSystem.load(await buildCircuit(NAME, { variant: 'unoptimised' }));
}, 900_000); // two --O0 compiles: about a minute on a quiet machine, several on a busy one

afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

type Input = Record<string, string | readonly string[]>;

/** Every signal of the circuit computed from `input` as a dishonest prover would, then `overrides` set by hand. */
async function forge(input: Input, overrides: Record<string, bigint> = {}): Promise<SignalValues> {
  const values = await calculateSignals(forging, input);
  for (const [name, value] of Object.entries(overrides)) {
    if (!values.has(name)) throw new Error(`the circuit has no signal ${name}`);
    values.set(name, ((value % P) + P) % P);
  }
  return values;
}

/** The circuit's rules, each recognised by the signals its constraints involve (names as in settlement.circom). */
const involves = (violation: Violation, prefix: string) => violation.signals.some((signal) => signal.startsWith(prefix));
const RULES = {
  'creditor != debtor': (v: Violation) => involves(v, 'main.sameMember.'),
  'rates are 32-bit': (v: Violation) => involves(v, 'main.rateRange['),
  'rates hash to rateCommitment': (v: Violation) => involves(v, 'main.rateCommitment'),
  'the mask is boolean and non-increasing': (v: Violation) => v.signals.every((signal) => /^main\.isReal\[\d+\]$/.test(signal)),
  'the mask sums to count': (v: Violation) => involves(v, 'main.count') && involves(v, 'main.isReal['),
  'volumes are 32-bit': (v: Violation) => involves(v, 'main.volumeBits['),
  'services are 2-bit': (v: Violation) => involves(v, 'main.serviceBits[') && !involves(v, 'main.monomial['),
  'padding slots are zero': (v: Violation) => involves(v, 'main.isReal[') && involves(v, 'main.volume['),
  'volumes split by service bits': (v: Violation) => involves(v, 'main.monomial[') && involves(v, 'main.serviceBits['),
  'priced = coefficient x volume': (v: Violation) => involves(v, 'main.priced[') && !involves(v, 'main.total'),
  'total is the sum': (v: Violation) => involves(v, 'main.total'),
  'records hash to batchCommitment': (v: Violation) => involves(v, 'main.batchCommitment'),
} as const;
type Rule = keyof typeof RULES;

/** The forged witness is refused by the production r1cs, and every constraint it breaks is `rule`'s. */
async function expectRefusedBy(values: SignalValues, rule: Rule): Promise<void> {
  expect(await production.check(values)).toBe(false);
  const broken = unoptimised.violations(values);
  expect(broken.length).toBeGreaterThan(0);
  for (const violation of broken) expect(RULES[rule](violation), `constraint ${violation.constraint} (${violation.signals.join(', ')}) is not "${rule}"`).toBe(true);
}

const honest = (batch: SettlementBatch = sampleBatch()) => buildSettlementWitness(batch, CIRCUITS[NAME]!.params);
const decimal = (values: readonly bigint[]) => values.map(String);

describe('settlement circuit v2: forged witnesses against the constraints', () => {
  it('accepts the honest witness: the forging build computes the same signals when nothing is forged', async () => {
    const values = await forge(honest().input);
    expect(await production.check(values)).toBe(true);
    expect(unoptimised.violations(values)).toEqual([]);
    expect(production.wire('main.isReal[0]')).toBeDefined(); // the hinted mask is in the witness: a prover chooses it
  });

  it('creditor == debtor: a member billing itself', async () => {
    const batch = sampleBatch();
    const self = { ...batch, debtor: batch.creditor };
    const { input } = honest(batch);
    const creditor = tadigToField(batch.creditor);
    const values = await forge({
      ...input,
      debtor: creditor.toString(),
      rateCommitment: rateCommitment(creditor, creditor, batch.rateTable).toString(),
      batchCommitment: batchCommitment(self, N).toString(),
    });
    await expectRefusedBy(values, 'creditor != debtor');
  });

  it('rates out of range: a negative rate (p - 1) lowers the total', async () => {
    const batch = sampleBatch();
    const { input } = honest(batch);
    const rates = [P - 1n, EU_RATES.voice_mt, EU_RATES.sms, EU_RATES.data]; // voice out at -1 per second
    const total = (1_500n * EU_RATES.data + 125n * (P - 1n) + 3n * EU_RATES.sms) % P;
    const values = await forge({ ...input, rate: decimal(rates), rateCommitment: forgedRateCommitment(batch, rates).toString(), total: total.toString() });
    await expectRefusedBy(values, 'rates are 32-bit');
  });

  it('a rate other than the committed one', async () => {
    const { input } = honest();
    const total = 1_500n * 1_200n + 125n * EU_RATES.voice_mo + 3n * EU_RATES.sms; // data at 1,200 instead of 1,100
    await expectRefusedBy(await forge({ ...input, rate: decimal([EU_RATES.voice_mo, EU_RATES.voice_mt, EU_RATES.sms, 1_200n]), total: total.toString() }), 'rates hash to rateCommitment');
  });

  it('padding mask tampering: a record billed outside the id range the statement covers', async () => {
    // slots [r1, r2, empty, r4] with count 3: the statement covers ids 1..3, yet bills r4, which
    // the next batch (from id 4) bills again. The mask [1, 1, 0, 1] sums to 3 and zeroes slot 2.
    const batch = sampleBatch();
    const slots = [
      { volume: 1_500n, service: 3n },
      { volume: 125n, service: 0n },
      { volume: 0n, service: 0n },
      { volume: 7n, service: 3n },
    ];
    const total = 1_500n * EU_RATES.data + 125n * EU_RATES.voice_mo + 7n * EU_RATES.data;
    const input = {
      ...honest(batch).input,
      volume: decimal(slots.map((s) => s.volume)),
      service: decimal(slots.map((s) => s.service)),
      batchCommitment: forgedCommitment(batch, N, slots, 3n).toString(),
      total: total.toString(),
    };
    const values = await forge(input, { 'main.isReal[2]': 0n, 'main.isReal[3]': 1n });
    await expectRefusedBy(values, 'the mask is boolean and non-increasing');
  });

  it('padding mask tampering in a valid witness: a gap, and values that are not bits', async () => {
    // an honest batch whose third record has volume 0, so its slot looks like padding
    const { input } = honest(sampleBatch([record(1, 'data', 1_500), record(2, 'voice_mo', 125), record(3, 'voice_mo', 0)]));
    await expectRefusedBy(await forge(input, { 'main.isReal[2]': 0n, 'main.isReal[3]': 1n }), 'the mask is boolean and non-increasing');
    const half = (P + 1n) / 2n; // 1/2 in the field: [1, 1, 1/2, 1/2] also sums to 3
    await expectRefusedBy(await forge(input, { 'main.isReal[2]': half, 'main.isReal[3]': half }), 'the mask is boolean and non-increasing');
  });

  it('count > N: five records claimed in a batch of four', async () => {
    const batch = sampleBatch([record(1, 'data', 10), record(2, 'data', 20), record(3, 'sms', 3), record(4, 'voice_mt', 40)]);
    const slots = batch.records.map((r, i) => ({ volume: r.volume, service: BigInt([3, 3, 2, 1][i]!) }));
    const values = await forge({ ...honest(batch).input, count: '5', batchCommitment: forgedCommitment(batch, N, slots, 5n).toString() });
    await expectRefusedBy(values, 'the mask sums to count');
  });

  it('count below the records billed: ids 1..2 claimed for three billed records', async () => {
    const batch = sampleBatch();
    const slots = [
      { volume: 1_500n, service: 3n },
      { volume: 125n, service: 0n },
      { volume: 3n, service: 2n },
    ];
    const input = { ...honest(batch).input, count: '2', batchCommitment: forgedCommitment(batch, N, slots, 2n).toString() };
    // the hint gives [1, 1, 0, 0], which slot 2 breaks; the prover picks [1, 1, 1, 0] instead
    await expectRefusedBy(await forge(input), 'padding slots are zero');
    await expectRefusedBy(await forge(input, { 'main.isReal[2]': 1n }), 'the mask sums to count');
  });

  it('volumes out of range: 2^32 aliasing another service, and a negative volume', async () => {
    const batch = sampleBatch([record(1, 'voice_mo', 5)]);
    const { input } = honest(batch);
    // volume 2^32 of voice out packs as volume 0 of voice in: the commitment of an empty call
    const commitment = forgedCommitment(batch, N, [{ volume: 0n, service: 1n }], 1n);
    expect(forgedCommitment(batch, N, [{ volume: 2n ** 32n, service: 0n }], 1n)).toBe(commitment);
    const aliased = { ...input, volume: decimal([2n ** 32n, 0n, 0n, 0n]), batchCommitment: commitment.toString(), total: (2n ** 32n * EU_RATES.voice_mo).toString() };
    await expectRefusedBy(await forge(aliased), 'volumes are 32-bit');
    // volume p - 1000: 1,000 seconds taken off the bill
    const negative = { ...input, volume: decimal([P - 1_000n, 0n, 0n, 0n]), batchCommitment: forgedCommitment(batch, N, [{ volume: P - 1_000n, service: 0n }], 1n).toString() };
    await expectRefusedBy(await forge({ ...negative, total: (P - 1_000n * EU_RATES.voice_mo).toString() }), 'volumes are 32-bit');
  });

  it('services out of range: service 4 priced as voice out', async () => {
    const batch = sampleBatch([record(1, 'voice_mo', 5)]);
    const values = await forge({ ...honest(batch).input, service: decimal([4n, 0n, 0n, 0n]), batchCommitment: forgedCommitment(batch, N, [{ volume: 5n, service: 4n }], 1n).toString() });
    await expectRefusedBy(values, 'services are 2-bit');
  });

  it('usage hidden in a padding slot', async () => {
    const batch = sampleBatch([record(1, 'data', 5)]);
    const slots = [
      { volume: 5n, service: 3n },
      { volume: 7n, service: 3n },
    ];
    const input = {
      ...honest(batch).input,
      volume: decimal([5n, 7n, 0n, 0n]),
      service: decimal([3n, 3n, 0n, 0n]),
      batchCommitment: forgedCommitment(batch, N, slots, 1n).toString(),
      total: (12n * EU_RATES.data).toString(),
    };
    await expectRefusedBy(await forge(input), 'padding slots are zero');
  });

  it('pricing: a data record priced as voice out, and a product lowered', async () => {
    const { input } = honest(); // r1: 1,500 MB of data (service bits 1, 1)
    const values = await forge(input);
    // the rate of a service is the sum of coefficient[m] over masks m within its bits (Moebius)
    const [r0, r1, r2, r3] = [EU_RATES.voice_mo, EU_RATES.voice_mt, EU_RATES.sms, EU_RATES.data];
    const coefficient = [r0, r1 - r0, r2 - r0, r3 - r2 - r1 + r0];
    const get = (name: string) => values.get(name)!;
    const asVoice: Record<string, bigint> = { 'main.monomial[0][0]': 0n, 'main.monomial[0][1]': 0n, 'main.monomial[0][2]': 0n };
    for (let m = 1; m < 4; m++) asVoice[`main.priced[${m}]`] = get(`main.priced[${m}]`) - coefficient[m]! * 1_500n;
    asVoice['main.total'] = get('main.total') - 1_500n * (r3 - r0);
    await expectRefusedBy(await forge(input, asVoice), 'volumes split by service bits');
    const lowered = await forge(input, { 'main.priced[3]': get('main.priced[3]') - 1_000n, 'main.total': get('main.total') - 1_000n });
    await expectRefusedBy(lowered, 'priced = coefficient x volume');
  });

  it('a total other than the sum', async () => {
    const { input } = honest();
    for (const delta of [1n, -1n]) await expectRefusedBy(await forge({ ...input, total: (BigInt(input.total as string) + delta).toString() }), 'total is the sum');
  });

  it('records changed after their commitment: a volume, the salt', async () => {
    const { input } = honest();
    const total = 1_000n * EU_RATES.data + 125n * EU_RATES.voice_mo + 3n * EU_RATES.sms;
    await expectRefusedBy(await forge({ ...input, volume: decimal([1_000n, 125n, 3n, 0n]), total: total.toString() }), 'records hash to batchCommitment');
    await expectRefusedBy(await forge({ ...input, salt: (BigInt(input.salt as string) + 1n).toString() }), 'records hash to batchCommitment');
  });

  it('shifted and duplicated ids: the records claimed as ids 4..6, and record 3 counted twice', async () => {
    const { input } = honest();
    await expectRefusedBy(await forge({ ...input, firstId: '4' }), 'records hash to batchCommitment');
    // slot 3 repeats record 3 and count becomes 4, against the commitment of the three records
    const twice = { ...input, count: '4', volume: decimal([1_500n, 125n, 3n, 3n]), service: decimal([3n, 0n, 2n, 2n]), total: (BigInt(input.total as string) + 3n * EU_RATES.sms).toString() };
    await expectRefusedBy(await forge(twice), 'records hash to batchCommitment');
  });

  it('wrong commitments as public inputs', async () => {
    const { input } = honest();
    await expectRefusedBy(await forge({ ...input, batchCommitment: (BigInt(input.batchCommitment as string) + 1n).toString() }), 'records hash to batchCommitment');
    await expectRefusedBy(await forge({ ...input, rateCommitment: (BigInt(input.rateCommitment as string) + 1n).toString() }), 'rates hash to rateCommitment');
  });
});
