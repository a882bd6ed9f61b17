import { batchCommitment, buildSettlementWitness } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import {
  BatchCommitmentMismatchError,
  BatchRangeMismatchError,
  checkReceivedBatch,
  DuplicateRecordIdError,
  InvalidRecordBatchError,
  NonPositionalRecordIdError,
  RangeAlreadyReceivedError,
  ReceivedBatchError,
  RecordOutsidePeriodError,
  recordsDigest,
  RecordsDigestMismatchError,
  RecordTadigMismatchError,
  toSettlementBatch,
  WrongBatchPairError,
  WrongBatchPeriodError,
  type OnChainBatch,
  type RecordBatch,
} from '../../src/index.js';
import { batch, NOV_2026_START, ORANGE, record, TMOBILE } from './records-fixtures.js';

const BATCH_SIZE = 16;

/** What the creditor committed on chain for `committed`. */
function onChainOf(committed: RecordBatch): OnChainBatch {
  return {
    creditor: committed.creditor,
    debtor: committed.debtor,
    period: committed.period,
    firstId: committed.firstId,
    count: committed.records.length,
    batchCommitment: batchCommitment(committed, BATCH_SIZE),
    recordsDigest: recordsDigest(committed),
    batchSize: BATCH_SIZE,
  };
}

/** The error checkReceivedBatch throws, checked to be a ReceivedBatchError with `reason`. */
function refusal(received: RecordBatch, onChain: OnChainBatch, seen: { firstId: bigint; count: bigint }[] = []): ReceivedBatchError {
  try {
    checkReceivedBatch(received, onChain, seen);
  } catch (err) {
    expect(err).toBeInstanceOf(ReceivedBatchError);
    return err as ReceivedBatchError;
  }
  throw new Error('the batch was accepted');
}

const withRecord = (value: RecordBatch, position: number, change: Partial<RecordBatch['records'][number]>): RecordBatch => ({
  ...value,
  records: value.records.map((r, i) => (i === position ? { ...r, ...change } : r)),
});

describe('checkReceivedBatch', () => {
  const committed = batch();
  const onChain = onChainOf(committed);

  it('accepts the records the creditor committed, and returns their range and digest', () => {
    expect(checkReceivedBatch(committed, onChain, [{ firstId: 0n, count: 10n }, { firstId: 14n, count: 6n }])).toEqual({
      range: { firstId: 10n, count: 4n },
      recordsDigest: onChain.recordsDigest,
    });
  });

  it('refuses a batch of another pair', () => {
    const error = refusal({ ...committed, creditor: 'GBRVF', records: committed.records.map((r) => ({ ...r, visitedTadig: 'GBRVF' })) }, onChain);
    expect(error).toBeInstanceOf(WrongBatchPairError);
    expect(error).toMatchObject({ reason: 'wrong_pair', received: { creditor: 'GBRVF', debtor: TMOBILE }, onChain: { creditor: ORANGE, debtor: TMOBILE } });
    expect(refusal(committed, { ...onChain, debtor: 'NORTM' })).toBeInstanceOf(WrongBatchPairError);
  });

  it('refuses a batch of another period', () => {
    expect(refusal(committed, { ...onChain, period: '2026-10' })).toMatchObject({ name: 'WrongBatchPeriodError', reason: 'wrong_period', received: '2026-11', onChain: '2026-10' });
    expect(refusal(committed, { ...onChain, period: '2026-10' })).toBeInstanceOf(WrongBatchPeriodError);
  });

  it('refuses a batch whose first id or record count is not the on-chain range', () => {
    expect(refusal(committed, { ...onChain, firstId: 11n })).toBeInstanceOf(BatchRangeMismatchError);
    const short = { ...committed, records: committed.records.slice(0, 3) };
    expect(refusal(short, onChain)).toMatchObject({ name: 'BatchRangeMismatchError', reason: 'range_mismatch', received: { firstId: 10n, count: 3n }, onChain: { firstId: 10n, count: 4n } });
  });

  it('refuses a duplicate record id, naming both positions', () => {
    const error = refusal(withRecord(committed, 3, { recordId: 11n }), onChain);
    expect(error).toBeInstanceOf(DuplicateRecordIdError);
    expect(error).toMatchObject({ reason: 'duplicate_record_id', recordId: 11n, positions: [1, 3] });
  });

  it('refuses record ids that are not positional (contiguous from firstId, in order)', () => {
    const swapped = { ...committed, records: [committed.records[1]!, committed.records[0]!, ...committed.records.slice(2)] };
    expect(refusal(swapped, onChain)).toMatchObject({ name: 'NonPositionalRecordIdError', position: 0, recordId: 11n, expectedId: 10n });
    const gap = withRecord(committed, 3, { recordId: 20n });
    expect(refusal(gap, onChain)).toBeInstanceOf(NonPositionalRecordIdError);
    expect(refusal(gap, onChain)).toMatchObject({ reason: 'non_positional_record_id', position: 3, expectedId: 13n });
  });

  it('refuses a range overlapping one already received for the pair and period', () => {
    const error = refusal(committed, onChain, [{ firstId: 0n, count: 10n }, { firstId: 13n, count: 5n }]);
    expect(error).toBeInstanceOf(RangeAlreadyReceivedError);
    expect(error).toMatchObject({ reason: 'range_already_received', range: { firstId: 10n, count: 4n }, overlapping: { firstId: 13n, count: 5n } });
    // The same batch received twice.
    const { range } = checkReceivedBatch(committed, onChain, []);
    expect(refusal(committed, onChain, [range])).toBeInstanceOf(RangeAlreadyReceivedError);
  });

  it("refuses a record whose visited or home network is not the batch's creditor or debtor", () => {
    expect(refusal(withRecord(committed, 2, { visitedTadig: 'FRAF2' }), onChain)).toMatchObject({
      name: 'RecordTadigMismatchError',
      reason: 'tadig_mismatch',
      position: 2,
      field: 'visitedTadig',
      value: 'FRAF2',
      expected: ORANGE,
    });
    const error = refusal(withRecord(committed, 0, { homeTadig: 'GBRVF' }), onChain);
    expect(error).toBeInstanceOf(RecordTadigMismatchError);
    expect(error).toMatchObject({ field: 'homeTadig', expected: TMOBILE });
  });

  it('refuses a record that started outside the period (UTC)', () => {
    const error = refusal(withRecord(committed, 1, { startTime: NOV_2026_START - 1n }), onChain);
    expect(error).toBeInstanceOf(RecordOutsidePeriodError);
    expect(error).toMatchObject({ reason: 'outside_period', position: 1, period: '2026-11' });
    const december = NOV_2026_START + 30n * 86_400n;
    expect(refusal(withRecord(committed, 1, { startTime: december }), onChain)).toBeInstanceOf(RecordOutsidePeriodError);
    expect(() => checkReceivedBatch(withRecord(committed, 1, { startTime: december - 1n }), onChainOf(withRecord(committed, 1, { startTime: december - 1n })), [])).not.toThrow();
  });

  it('refuses records that are not the ones whose digest is on chain', () => {
    // A field the circuit does not see (the subscriber): only the digest catches it.
    const changed = withRecord(committed, 0, { subscriberRef: 'c'.repeat(32) });
    const error = refusal(changed, onChain);
    expect(error).toBeInstanceOf(RecordsDigestMismatchError);
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(error).toMatchObject({ reason: 'digest_mismatch', received: hex(recordsDigest(changed)), onChain: hex(onChain.recordsDigest) });
  });

  it('refuses records whose circuit commitment is not the one on chain', () => {
    // The digest matches (the chain's digest is of these records) but the commitment was made over others.
    const changed = withRecord(committed, 2, { volume: 349n });
    const error = refusal(changed, { ...onChain, recordsDigest: recordsDigest(changed) });
    expect(error).toBeInstanceOf(BatchCommitmentMismatchError);
    expect(error).toMatchObject({ reason: 'commitment_mismatch', onChain: onChain.batchCommitment, batchSize: BATCH_SIZE });
    // The same records committed for another circuit size are another commitment.
    expect(refusal(committed, { ...onChain, batchSize: 32 })).toBeInstanceOf(BatchCommitmentMismatchError);
  });

  it('refuses a batch out of format before comparing anything', () => {
    expect(() => checkReceivedBatch(withRecord(committed, 0, { volume: -1n }), onChain, [])).toThrow(InvalidRecordBatchError);
  });
});

describe('toSettlementBatch', () => {
  it('is the batch the prover takes: same commitment, total from volumes and rates', () => {
    const committed = batch();
    const rateTable = { rates: { voice_mo: 317n, voice_mt: 317n, sms: 3_000n, data: 1_100n }, salt: 99n };
    const settlement = toSettlementBatch(committed, rateTable);
    expect(settlement.records).toEqual(committed.records.map(({ recordId, service, volume }) => ({ recordId, service, volume })));
    const witness = buildSettlementWitness(settlement, { batchSize: BATCH_SIZE, serviceBits: 2 });
    expect(witness.publicInputs.batchCommitment).toBe(onChainOf(committed).batchCommitment);
    expect(witness.publicInputs.total).toBe(120n * 317n + 1n * 3_000n + 348n * 1_100n + 60n * 317n);
    expect(witness.publicInputs.firstId).toBe(10n);
    expect(witness.publicInputs.count).toBe(4n);
  });

  it('refuses an invalid batch', () => {
    expect(() => toSettlementBatch(batch({ records: [record(10n, { visitedTadig: 'nope' })] }), { rates: { voice_mo: 1n, voice_mt: 1n, sms: 1n, data: 1n }, salt: 1n })).toThrow(
      InvalidRecordBatchError,
    );
  });
});
