import { RATES_DOMAIN } from '@consortium/circuits';
import { poseidon8 } from 'poseidon-lite/poseidon8';
import { batchHeader, batchHeaderElements, packSlots, spongeCommitment } from '../../src/witness/commitment.js';
import type { SettlementBatch, UsageRecord } from '../../src/witness/domain.js';
import { randomSalt, tadigToField } from '../../src/witness/field.js';

/**
 * Realistic test data (DOMAIN.md): rates in micro-euro per charging unit, below the EU caps:
 * voice 0.019 EUR/min (317 per second), SMS 0.003 EUR (3,000), data 1.10 EUR/GB (1,100 per MB).
 */
export const EU_RATES = { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n } as const;

export function record(recordId: number, service: UsageRecord['service'], volume: number): UsageRecord {
  return { recordId: BigInt(recordId), service, volume: BigInt(volume) };
}

/**
 * Orange France bills Telekom Deutschland for November 2026. The batch starts at its first
 * record's id (ids are positional), or at `firstId` when given (an empty batch).
 */
export function sampleBatch(records: UsageRecord[] = [record(1, 'data', 1_500), record(2, 'voice_mo', 125), record(3, 'sms', 3)], firstId?: bigint): SettlementBatch {
  return {
    creditor: 'FRAF1',
    debtor: 'DEUD1',
    period: '2026-11',
    firstId: firstId ?? records[0]?.recordId ?? 1n,
    records,
    salt: randomSalt(),
    rateTable: { rates: { ...EU_RATES }, salt: randomSalt() },
  };
}

/**
 * The commitment a dishonest creditor would publish over raw slots (volume, service index) that
 * the witness builder refuses: out-of-range parts, records in padding slots, a count that
 * disagrees with the slots.
 */
export function forgedCommitment(batch: SettlementBatch, batchSize: number, slots: readonly { volume: bigint; service: bigint }[], count: bigint): bigint {
  return spongeCommitment([...batchHeaderElements(batchHeader(batch, batchSize, count)), ...packSlots(slots, batchSize)]);
}

/** The rate commitment over a raw rate list the witness builder refuses (a rate out of range). */
export function forgedRateCommitment(batch: SettlementBatch, rates: readonly bigint[]): bigint {
  return poseidon8([RATES_DOMAIN, tadigToField(batch.creditor), tadigToField(batch.debtor), ...rates, batch.rateTable.salt]);
}
