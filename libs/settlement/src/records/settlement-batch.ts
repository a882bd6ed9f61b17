import type { RateTable, SettlementBatch } from '@consortium/zkp';
import type { RecordBatch } from './types.js';
import { assertRecordBatch } from './validate.js';

/**
 * The batch as the settlement circuit proves it: the records' ids, services and volumes (the
 * subscriber, time and networks are not in the circuit; the records digest binds them), with
 * the pair's agreed rate table. Checks the batch first (InvalidRecordBatchError).
 */
export function toSettlementBatch(batch: RecordBatch, rateTable: RateTable): SettlementBatch {
  assertRecordBatch(batch);
  return {
    creditor: batch.creditor,
    debtor: batch.debtor,
    period: batch.period,
    firstId: batch.firstId,
    salt: batch.salt,
    rateTable,
    records: batch.records.map(({ recordId, service, volume }) => ({ recordId, service, volume })),
  };
}
