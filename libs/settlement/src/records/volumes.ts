import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import type { RecordBatch } from './types.js';

/**
 * The batch's charging units per service (voice seconds, messages, megabytes): what the two
 * parties' anomaly detection observes (anomaly.ts). Never on chain: with the statement's total
 * it would give away the rates.
 */
export function batchVolumes(batch: Pick<RecordBatch, 'records'>): Record<SettlementService, bigint> {
  const volumes = Object.fromEntries(SETTLEMENT_SERVICES.map((service) => [service, 0n])) as Record<SettlementService, bigint>;
  for (const record of batch.records) volumes[record.service] += record.volume;
  return volumes;
}
