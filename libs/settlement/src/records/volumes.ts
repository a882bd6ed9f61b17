import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import type { RecordBatch } from './types.js';

/**
 * The batch's charging units per service (voice seconds, messages, megabytes): what a usage
 * batch declares on chain for anomaly detection (volumes only: no records, no rates).
 */
export function batchVolumes(batch: Pick<RecordBatch, 'records'>): Record<SettlementService, bigint> {
  const volumes = Object.fromEntries(SETTLEMENT_SERVICES.map((service) => [service, 0n])) as Record<SettlementService, bigint>;
  for (const record of batch.records) volumes[record.service] += record.volume;
  return volumes;
}
