import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circuitDefinition } from '@consortium/circuits';
import { generateUsage, recordsDigest, settlementToJson, toSettlementBatch, usageBatchBody, wholesaleRateTable, type UsageRecord } from '@consortium/settlement';
import { buildSettlementWitness, ensureTestKeys, randomSalt } from '@consortium/zkp';
import { checkStatement, type Check, type StatementEvidence } from '../../src/verify-statement/checks.ts';
import { UnexpectedAnswerError } from '../../src/verify-statement/errors.ts';
import { exitCodeOf } from '../../src/verify-statement/report.ts';
import { agreementsFromAnswer, batchFromAnswer, keyEpochsFromAnswer, recordsFromAnswer, statementFromAnswer, type BatchFacts, type StatementFacts } from '../../src/verify-statement/views.ts';

/**
 * The offline checks on a real Groth16 proof of the small test circuit settlement-4 (its test
 * keys are made once and cached in build/test-keys by @consortium/circuits), then on forgeries of
 * each thing they check: every forgery must fail exactly the checks it touches.
 */

const CIRCUIT = 'settlement-4';
const BATCH_SIZE = circuitDefinition(CIRCUIT).params.batchSize;
const [ORANGE, TMOBILE] = [{ id: 'Orange-FR', tadig: 'FRAF1' }, { id: 'T-Mobile-DE', tadig: 'DEUD1' }];
const PERIOD = '2026-11';
const FIRST_ID = 8n;
const BATCH_ID = `${ORANGE.id}>${TMOBILE.id}/${PERIOD}/${FIRST_ID}`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let honest: StatementEvidence;

beforeAll(async () => {
  const keys = await ensureTestKeys(CIRCUIT);
  const records = generateUsage({ creditor: ORANGE.tadig, debtor: TMOBILE.tadig, period: PERIOD, firstId: FIRST_ID, count: BATCH_SIZE, seed: 'verify-statement' });
  const settlementBatch = toSettlementBatch(records, wholesaleRateTable(ORANGE.tadig, TMOBILE.tadig, PERIOD, randomSalt()));
  const witness = buildSettlementWitness(settlementBatch, circuitDefinition(CIRCUIT).params);
  const { proof } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
  const onChain = usageBatchBody(settlementBatch, { creditor: ORANGE.id, debtor: TMOBILE.id }, BATCH_SIZE, recordsDigest(records));
  const [wasm, zkey, vkey] = await Promise.all([readFile(keys.wasmPath), readFile(keys.zkeyPath), readFile(keys.vkeyPath)]);
  honest = {
    statement: {
      id: 'a1'.repeat(32),
      state: 'proposed',
      creditor: ORANGE.id,
      debtor: TMOBILE.id,
      period: PERIOD,
      batchId: BATCH_ID,
      epoch: 1,
      circuit: CIRCUIT,
      proposedHeight: 12,
      publicInputs: witness.publicInputs,
      proof,
    },
    batch: { id: BATCH_ID, creditor: ORANGE.id, debtor: TMOBILE.id, period: PERIOD, firstId: onChain.firstId, count: onChain.count, batchCommitment: onChain.batchCommitment, recordsDigest: onChain.recordsDigest },
    keyEpochs: [{ epoch: 1, pins: [{ circuit: CIRCUIT, wasm: sha256(wasm), zkey: sha256(zkey), vkey: sha256(vkey) }] }],
    // both directions of the pair's agreement; the creditor's commitment is the proof's
    agreements: [
      {
        id: 'b2'.repeat(32),
        members: [ORANGE.id, TMOBILE.id],
        fromPeriod: '2026-01',
        toPeriod: '2026-12',
        rateCommitments: [
          { creditor: ORANGE.id, debtor: TMOBILE.id, commitment: witness.publicInputs.rateCommitment },
          { creditor: TMOBILE.id, debtor: ORANGE.id, commitment: witness.publicInputs.rateCommitment + 7n },
        ],
        height: 3,
      },
    ],
    verificationKey: { path: keys.vkeyPath, bytes: new Uint8Array(vkey) },
    batchSize: BATCH_SIZE,
    records: { batchId: BATCH_ID, salt: records.salt, records: records.records },
  };
}, 900_000);

afterAll(async () => {
  // snarkjs's fullProve started the shared multi-threaded curve.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

const failedNames = (checks: readonly Check[]) => checks.filter((c) => !c.passed).map((c) => c.name);
const withStatement = (change: Partial<StatementFacts>): StatementEvidence => ({ ...honest, statement: { ...honest.statement, ...change } });
const withBatch = (change: Partial<BatchFacts>): StatementEvidence => ({ ...honest, batch: { ...honest.batch, ...change } });
const withRecords = (change: (records: readonly UsageRecord[]) => UsageRecord[]): StatementEvidence => ({ ...honest, records: { ...honest.records!, records: change(honest.records!.records) } });

describe('verify-statement checks on a real settlement-4 proof', () => {
  it('an honest statement passes every check, records included', async () => {
    const checks = await checkStatement(honest);
    expect(failedNames(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'verification key pin',
      'Groth16 proof',
      'batch',
      'record range',
      'batch commitment (public input)',
      'period (public input)',
      'rate commitment (public input)',
      'records',
      'records digest',
      'batch commitment (records)',
      'creditor and debtor (public inputs)',
    ]);
    expect(exitCodeOf(checks)).toBe(0);
  });

  it('without the records (a token that may not read them) the chain-level checks still run and pass', async () => {
    const checks = await checkStatement({ ...honest, records: null });
    expect(checks).toHaveLength(7);
    expect(failedNames(checks)).toEqual([]);
  });

  it('a tampered public input (the total raised by one minor unit) fails the proof', async () => {
    const checks = await checkStatement(withStatement({ publicInputs: { ...honest.statement.publicInputs, total: honest.statement.publicInputs.total + 1n } }));
    expect(failedNames(checks)).toEqual(['Groth16 proof']);
    expect(checks.find((c) => c.name === 'Groth16 proof')!.detail).toMatch(/^invalid: InvalidProofError/);
    expect(exitCodeOf(checks)).toBe(1);
  });

  it('a proof whose points are not on the curve fails the proof with the verifier\'s error class', async () => {
    const checks = await checkStatement(withStatement({ proof: { ...honest.statement.proof, pi_a: ['1', '3', '1'] } }));
    expect(failedNames(checks)).toEqual(['Groth16 proof']);
    expect(checks.find((c) => c.name === 'Groth16 proof')!.detail).toMatch(/^error: PointNotOnCurveError/);
  });

  it('a verification key file that is not the pinned one fails the pin, and the proof is not verified with it', async () => {
    const altered = new TextEncoder().encode(`${new TextDecoder().decode(honest.verificationKey.bytes)} `);
    const checks = await checkStatement({ ...honest, verificationKey: { ...honest.verificationKey, bytes: altered } });
    expect(failedNames(checks)).toEqual(['verification key pin', 'Groth16 proof']);
    expect(checks[0]!.detail).toContain(sha256(altered));
    expect(checks[1]!.detail).toMatch(/^not verified/);
  });

  it('a chain that pins another key, or no key for the statement\'s epoch or circuit, fails the pin', async () => {
    const pin = honest.keyEpochs[0]!.pins[0]!;
    const otherPin = await checkStatement({ ...honest, keyEpochs: [{ epoch: 1, pins: [{ ...pin, vkey: pin.zkey }] }] });
    expect(failedNames(otherPin)).toEqual(['verification key pin', 'Groth16 proof']);
    const otherEpoch = await checkStatement({ ...honest, keyEpochs: [{ epoch: 2, pins: [pin] }] });
    expect(otherEpoch[0]!.detail).toContain('no key epoch 1');
    const otherCircuit = await checkStatement({ ...honest, keyEpochs: [{ epoch: 1, pins: [{ ...pin, circuit: 'settlement-16' }] }] });
    expect(otherCircuit[0]!.detail).toContain(`pins no circuit ${CIRCUIT}`);
  });

  it('a batch on chain with another commitment or range fails the public-input checks and the recomputed commitment', async () => {
    const commitment = await checkStatement(withBatch({ batchCommitment: honest.batch.batchCommitment + 1n }));
    expect(failedNames(commitment)).toEqual(['batch commitment (public input)', 'batch commitment (records)']);
    const range = await checkStatement(withBatch({ firstId: FIRST_ID + 4n }));
    expect(failedNames(range)).toContain('record range');
    const otherBatch = await checkStatement(withBatch({ id: `${ORANGE.id}>${TMOBILE.id}/${PERIOD}/0` }));
    expect(failedNames(otherBatch)).toEqual(['batch', 'records']);
  });

  it('a proof with rates other than those of the agreement in force fails the rate commitment', async () => {
    const [agreement] = honest.agreements;
    const superseding = { ...agreement!, id: 'c3'.repeat(32), fromPeriod: PERIOD, toPeriod: PERIOD, height: 9, rateCommitments: agreement!.rateCommitments.map((c) => ({ ...c, commitment: c.commitment + 1n })) };
    const superseded = await checkStatement({ ...honest, agreements: [agreement!, superseding] });
    expect(failedNames(superseded)).toEqual(['rate commitment (public input)']);
    expect(superseded.find((c) => !c.passed)!.detail).toContain(superseding.id);
    const otherDirection = await checkStatement({ ...honest, agreements: [{ ...agreement!, rateCommitments: agreement!.rateCommitments.slice(1) }] });
    expect(failedNames(otherDirection)).toEqual(['rate commitment (public input)']);
    const expired = await checkStatement({ ...honest, agreements: [{ ...agreement!, toPeriod: '2026-10' }] });
    expect(failedNames(expired)).toEqual(['rate commitment (public input)']);
    // one registered after the statement was proposed does not change what the chain checked
    expect(failedNames(await checkStatement({ ...honest, agreements: [agreement!, { ...superseding, height: 13 }] }))).toEqual([]);
    // the later agreement in force is the honest one: the earlier is superseded, not consulted
    const earlier = { ...superseding, height: 1 };
    expect(failedNames(await checkStatement({ ...honest, agreements: [earlier, agreement!] }))).toEqual([]);
  });

  it('a tampered record (one more minute of voice) fails the records digest and the recomputed commitment', async () => {
    const checks = await checkStatement(withRecords((records) => records.map((r, i) => (i === 1 ? { ...r, volume: r.volume + 60n } : r))));
    expect(failedNames(checks)).toEqual(['records digest', 'batch commitment (records)']);
  });

  it('a tampered subscriber reference changes only the records digest (the circuit does not see it)', async () => {
    const checks = await checkStatement(withRecords((records) => records.map((r, i) => (i === 0 ? { ...r, subscriberRef: 'f'.repeat(32) } : r))));
    expect(failedNames(checks)).toEqual(['records digest']);
  });

  it('records out of place or of other networks fail the records check and what they change', async () => {
    const swapped = await checkStatement(withRecords((records) => [records[1]!, records[0]!, ...records.slice(2)]));
    expect(failedNames(swapped)).toContain('records');
    expect(swapped.find((c) => c.name === 'records')!.detail).toMatch(/^NonPositionalRecordIdError/);
    const otherNetwork = await checkStatement(withRecords((records) => records.map((r) => ({ ...r, visitedTadig: 'GBRVF' }))));
    expect(failedNames(otherNetwork)).toEqual(['records digest', 'batch commitment (records)', 'creditor and debtor (public inputs)']);
  });
});

describe('the node\'s JSON answers (libs/settlement settlementToJson) parse back to what was checked', () => {
  it('statement, batch, key epochs and records round-trip', () => {
    const { statement, batch, records } = honest;
    expect(statementFromAnswer('GET statement', settlementToJson({ ...statement, id: undefined, statementId: statement.id }))).toEqual(statement);
    expect(batchFromAnswer('GET batch', settlementToJson({ ...batch, id: undefined, batchId: batch.id }))).toEqual(batch);
    expect(keyEpochsFromAnswer('GET key-epochs', settlementToJson({ epochs: honest.keyEpochs }))).toEqual(honest.keyEpochs);
    expect(recordsFromAnswer('GET records', settlementToJson(records))).toEqual(records);
    expect(agreementsFromAnswer('GET agreements', settlementToJson({ agreements: honest.agreements }))).toEqual(honest.agreements);
  });

  it('a malformed answer names the field', () => {
    const answer = settlementToJson({ ...honest.statement, publicInputs: { ...honest.statement.publicInputs, total: -1n } });
    const refusal = (parse: () => unknown) => {
      try {
        parse();
      } catch (error) {
        return error;
      }
      throw new Error('expected an UnexpectedAnswerError');
    };
    const total = refusal(() => statementFromAnswer('GET /v1/statements/x', answer));
    expect(total).toBeInstanceOf(UnexpectedAnswerError);
    expect((total as UnexpectedAnswerError).field).toBe('answer.publicInputs.total');
    const hidden = refusal(() => batchFromAnswer('GET /v1/batches/x', { ...(settlementToJson(honest.batch) as object), batchCommitment: null }));
    expect((hidden as UnexpectedAnswerError).field).toBe('answer.batchCommitment');
  });
});
