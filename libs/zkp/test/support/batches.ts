import type { SettlementBatch, UsageRecord } from '../../src/witness/domain.js';
import { randomSalt } from '../../src/witness/field.js';

/**
 * Realistic test data (DOMAIN.md): rates in micro-euro per charging unit, below the EU caps:
 * voice 0.019 EUR/min (317 per second), SMS 0.003 EUR (3,000), data 1.10 EUR/GB (1,100 per MB).
 */
export const EU_RATES = { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n } as const;

export function record(recordId: number, service: UsageRecord['service'], volume: number): UsageRecord {
  return { recordId: BigInt(recordId), service, volume: BigInt(volume), salt: randomSalt() };
}

/** Orange France bills Telekom Deutschland for November 2026. */
export function sampleBatch(records: UsageRecord[] = [record(1, 'data', 1_500), record(2, 'voice_mo', 125), record(3, 'sms', 3)]): SettlementBatch {
  return { creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', records, rateTable: { rates: { ...EU_RATES }, salt: randomSalt() } };
}
