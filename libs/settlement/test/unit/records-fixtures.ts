/** A small hand-made batch for the records tests: T-Mobile-DE's subscribers roaming on Orange-FR. */
import { expect } from 'vitest';
import { InvalidRecordBatchError, type RecordBatch, type UsageRecord } from '../../src/index.js';

export const ORANGE = 'FRAF1';
export const TMOBILE = 'DEUD1';
export const NOV_2026_START = 1_793_491_200n; // 2026-11-01T00:00:00Z

export function record(recordId: bigint, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    recordId,
    subscriberRef: (recordId % 16n).toString(16).repeat(32),
    service: 'voice_mo',
    startTime: NOV_2026_START + 3_600n * recordId,
    volume: 120n,
    visitedTadig: ORANGE,
    homeTadig: TMOBILE,
    ...overrides,
  };
}

export function batch(overrides: Partial<RecordBatch> = {}): RecordBatch {
  const firstId = overrides.firstId ?? 10n;
  return {
    creditor: ORANGE,
    debtor: TMOBILE,
    period: '2026-11',
    firstId,
    salt: 0x1234_5678_9abc_def0_1234_5678_9abc_def0n,
    records: [
      record(firstId),
      record(firstId + 1n, { service: 'sms', volume: 1n }),
      record(firstId + 2n, { service: 'data', volume: 348n }),
      record(firstId + 3n, { service: 'voice_mt', volume: 60n }),
    ],
    ...overrides,
  };
}

/** The field an InvalidRecordBatchError from `run` names; fails the test when `run` does not throw one. */
export function invalidFieldOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRecordBatchError);
    return (err as InvalidRecordBatchError).field;
  }
  throw new Error('expected an InvalidRecordBatchError, but nothing was thrown');
}
