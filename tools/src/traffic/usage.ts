import { generateUsage, type SettlementService } from '@consortium/settlement';
import { USAGE_RECORDS_PER_REQUEST_MAX, type DirectionPlan } from './plan.js';

/**
 * A direction's usage for one period as the API takes it (POST /v1/members/{creditor}/usage):
 * generateUsage's seeded records, cut into requests of at most 4,096 records. The node numbers
 * the records itself (after the pair's last batch), so ids are not sent; each request's records
 * are drawn with their own `firstId`, so two requests never repeat each other.
 */

export interface UsageRecordJson {
  readonly subscriberRef: string;
  readonly service: SettlementService;
  /** Epoch seconds, inside the period. */
  readonly startTime: bigint;
  /** Charging units: voice seconds, SMS 1, data MB. */
  readonly volume: bigint;
}

export interface UsageRequest {
  readonly debtor: string;
  readonly period: string;
  readonly records: readonly UsageRecordJson[];
}

export function usageRequests(direction: DirectionPlan, period: string, seed: string): UsageRequest[] {
  const requests: UsageRequest[] = [];
  for (let offset = 0; offset < direction.records; offset += USAGE_RECORDS_PER_REQUEST_MAX) {
    const count = Math.min(USAGE_RECORDS_PER_REQUEST_MAX, direction.records - offset);
    const batch = generateUsage({
      creditor: direction.creditor.tadig,
      debtor: direction.debtor.tadig,
      period,
      firstId: BigInt(offset),
      count,
      seed,
      ...(direction.anomaly === null ? {} : { anomaly: direction.anomaly }),
    });
    requests.push({
      debtor: direction.debtor.id,
      period,
      records: batch.records.map(({ subscriberRef, service, startTime, volume }) => ({ subscriberRef, service, startTime, volume })),
    });
  }
  return requests;
}
