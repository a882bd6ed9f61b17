import { describe, expect, it } from 'vitest';
import { BATCH_LAYOUT, CIRCUITS } from '@consortium/circuits';
import { batchCommitment, buildSettlementWitness, packRecord, periodToField, settlementTotal, tadigToField, WitnessInputError } from '../../src/index.js';
import { packRecords } from '../../src/witness/commitment.js';
import { record, sampleBatch } from '../support/batches.js';

const PARAMS = CIRCUITS['settlement-4']!.params;

describe('settlement witness (circuit v2)', () => {
  it('adds up volume x rate in integer minor units', () => {
    expect(settlementTotal(sampleBatch())).toBe(1_650_000n + 39_625n + 9_000n);
  });

  it('encodes TADIG codes and periods as field elements', () => {
    expect(tadigToField('FRAF1')).toBe(0x4652414631n);
    expect(periodToField('2026-11')).toBe(202611n);
    expect(() => tadigToField('fraf1')).toThrow(WitnessInputError);
    expect(() => periodToField('2026-13')).toThrow('period "2026-13" must be YYYY-MM');
  });

  it('pads a partial batch with zero records and states its id range', () => {
    const { input, publicInputs } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(input.volume).toEqual(['1500', '125', '3', '0']);
    expect(input.service).toEqual(['3', '0', '2', '0']);
    expect(publicInputs).toMatchObject({ firstId: 1n, count: 3n });
    expect(Object.keys(input)).not.toContain('recordId'); // ids are positions, not inputs
  });

  it('packs 7 records of 34 bits per field element, slot k at bit 34k', () => {
    expect(BATCH_LAYOUT).toMatchObject({ recordBits: 34, recordsPerElement: 7 });
    expect(packRecord({ service: 'data', volume: 5n })).toBe(5n + (3n << 32n));
    const records = Array.from({ length: 9 }, (_, i) => record(i + 1, 'sms', i + 1));
    const elements = packRecords(records, 16);
    expect(elements).toHaveLength(3);
    expect(elements[0]! >> (34n * 6n)).toBe(7n + (2n << 32n)); // the 7th record, alone in the top slot
    expect(elements[1]).toBe(8n + (2n << 32n) + ((9n + (2n << 32n)) << 34n));
    expect(elements[2]).toBe(0n);
    expect(elements[0]! < 1n << 238n).toBe(true);
  });

  it('commits to the batch size, the id range and the salt as well as the records', () => {
    const batch = sampleBatch();
    const commitment = batchCommitment(batch, 4);
    expect(batchCommitment(batch, 4)).toBe(commitment);
    expect(batchCommitment(batch, 16)).not.toBe(commitment);
    expect(batchCommitment({ ...batch, salt: batch.salt + 1n }, 4)).not.toBe(commitment);
    const shifted = { ...batch, firstId: 2n, records: batch.records.map((r, i) => ({ ...r, recordId: 2n + BigInt(i) })) };
    expect(batchCommitment(shifted, 4)).not.toBe(commitment);
  });

  it('refuses what the circuit would refuse, naming the record and field', () => {
    const tooMany = sampleBatch([1, 2, 3, 4, 5].map((id) => record(id, 'sms', 1)));
    expect(() => buildSettlementWitness(tooMany, PARAMS)).toThrow('5 records do not fit a batch of 4');
    expect(() => buildSettlementWitness(sampleBatch([record(1, 'data', 2 ** 32)]), PARAMS)).toThrow('records[0].volume = 4294967296 is outside 0 .. 2^32 - 1');
    expect(() => buildSettlementWitness(sampleBatch([record(1, 'data', 1), record(3, 'data', 1)]), PARAMS)).toThrow(/records\[1\].recordId = 3, but record ids are positional/);
    expect(() => buildSettlementWitness(sampleBatch([record(1, 'data', 1)], 0n), PARAMS)).toThrow(/records\[0\].recordId = 1/);
    expect(() => buildSettlementWitness(sampleBatch([], -1n), PARAMS)).toThrow('firstId = -1');
    expect(() => buildSettlementWitness(sampleBatch([record(2 ** 53, 'data', 1)]), PARAMS)).not.toThrow();
    const lastIds = sampleBatch([{ recordId: 2n ** 64n - 1n, service: 'sms', volume: 1n }]);
    expect(() => buildSettlementWitness(lastIds, PARAMS)).not.toThrow();
    expect(() => buildSettlementWitness({ ...lastIds, firstId: 2n ** 64n, records: [{ recordId: 2n ** 64n, service: 'sms', volume: 1n }] }, PARAMS)).toThrow(/2\^64 - 1/);
    const sameParty = { ...sampleBatch(), debtor: 'FRAF1' };
    expect(() => buildSettlementWitness(sameParty, PARAMS)).toThrow('creditor and debtor are both FRAF1');
    const badRate = { ...sampleBatch(), rateTable: { rates: { voice_mo: 1n, voice_mt: 1n, sms: 1n, data: 2n ** 40n }, salt: 1n } };
    expect(() => buildSettlementWitness(badRate, PARAMS)).toThrow(/rates.data/);
    expect(() => buildSettlementWitness({ ...sampleBatch(), salt: -1n }, PARAMS)).toThrow('batch salt is not a field element');
  });
});
