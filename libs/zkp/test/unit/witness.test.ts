import { describe, expect, it } from 'vitest';
import { CIRCUITS } from '@consortium/circuits';
import { buildSettlementWitness, periodToField, settlementTotal, tadigToField, WitnessInputError } from '../../src/index.js';
import { record, sampleBatch } from '../support/batches.js';

const PARAMS = CIRCUITS['settlement-4']!.params;

describe('settlement witness', () => {
  it('adds up volume x rate in integer minor units', () => {
    expect(settlementTotal(sampleBatch())).toBe(1_650_000n + 39_625n + 9_000n);
  });

  it('encodes TADIG codes and periods as field elements', () => {
    expect(tadigToField('FRAF1')).toBe(0x4652414631n);
    expect(periodToField('2026-11')).toBe(202611n);
    expect(() => tadigToField('fraf1')).toThrow(WitnessInputError);
    expect(() => periodToField('2026-13')).toThrow('period "2026-13" must be YYYY-MM');
  });

  it('pads a partial batch with zero records', () => {
    const { input, publicInputs } = buildSettlementWitness(sampleBatch(), PARAMS);
    expect(input.volume).toEqual(['1500', '125', '3', '0']);
    expect(input.salt?.[3]).toBe('0');
    expect(publicInputs.count).toBe(3n);
  });

  it('refuses what the circuit would refuse, naming the record and field', () => {
    const tooMany = sampleBatch([1, 2, 3, 4, 5].map((id) => record(id, 'sms', 1)));
    expect(() => buildSettlementWitness(tooMany, PARAMS)).toThrow('5 records do not fit a batch of 4');
    expect(() => buildSettlementWitness(sampleBatch([record(1, 'data', 2 ** 32)]), PARAMS)).toThrow('records[0].volume = 4294967296 is outside 0 .. 2^32 - 1');
    expect(() => buildSettlementWitness(sampleBatch([{ ...record(1, 'data', 1), recordId: -1n }]), PARAMS)).toThrow(/records\[0\].recordId/);
    const sameParty = { ...sampleBatch(), debtor: 'FRAF1' };
    expect(() => buildSettlementWitness(sameParty, PARAMS)).toThrow('creditor and debtor are both FRAF1');
    const badRate = { ...sampleBatch(), rateTable: { rates: { voice_mo: 1n, voice_mt: 1n, sms: 1n, data: 2n ** 40n }, salt: 1n } };
    expect(() => buildSettlementWitness(badRate, PARAMS)).toThrow(/rates.data/);
  });
});
