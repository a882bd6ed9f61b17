/**
 * Realistic usage for tests and the devnet's traffic generator: a whole record batch of a
 * (creditor, debtor, period), deterministic from a seed, with per-service volumes drawn from
 * the profile's distributions, start times spread over the period by hour of day, a pool of
 * salted subscriber references with a few heavy users, and optional anomalies (a spike, or a
 * drop to zero) for the chain's anomaly detection to find.
 */
import { FIELD_MODULUS, SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import { periodBoundsUtc } from '../check.js';
import { InvalidRecordBatchError } from '../errors.js';
import { VOLUME_BITS } from '../limits.js';
import { subscriberRefOf } from '../subscriber.js';
import type { RecordBatch, UsageRecord } from '../types.js';
import { assertRecordBatch } from '../validate.js';
import { DATA_MEGABYTES, HOURLY_WEIGHTS, pairProfile, VOICE_INCREMENT_SECONDS, VOICE_SECONDS, type UsageProfile, type VolumeBucket } from './profiles.js';
import { SeededRandom } from './prng.js';

/**
 * `spike`: the volumes of `service` (every service when absent) multiplied by `factor` (a whole
 * number, 2 .. 1,000; SIM-box fraud, a misconfigured partner). `drop`: `service` disappears from
 * the batch (no records of it); without a service, every record carries volume 0 (a broken
 * mediation feed that still emits events).
 */
export type UsageAnomaly =
  | { readonly kind: 'spike'; readonly factor: number; readonly service?: SettlementService }
  | { readonly kind: 'drop'; readonly service?: SettlementService };

export interface GenerateUsageOptions {
  /** TADIG of the visited network (it recorded the usage and bills it). */
  readonly creditor: string;
  /** TADIG of the home network (it pays). */
  readonly debtor: string;
  /** "YYYY-MM": every record starts in it (UTC). */
  readonly period: string;
  readonly firstId: bigint;
  /** Records in the batch (1 .. RECORD_BATCH_MAX_RECORDS). */
  readonly count: number;
  /** Same options and seed, same batch, byte for byte. */
  readonly seed: string | number;
  /** Default: pairProfile(creditor, debtor). */
  readonly profile?: UsageProfile;
  readonly anomaly?: UsageAnomaly;
}

const SPIKE_FACTOR_MAX = 1_000;
const VOLUME_MAX = (1n << BigInt(VOLUME_BITS)) - 1n;
/** Salts below 2^248 are field elements (as zkp's randomSalt draws them). */
const SALT_BYTES = 31;

/** A record batch as the creditor would commit and send it; checked (assertRecordBatch) before it is returned. */
export function generateUsage(options: GenerateUsageOptions): RecordBatch {
  const { creditor, debtor, period, firstId, count, anomaly } = options;
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidRecordBatchError('count', `expected a whole number of records >= 1, got ${count}`);
  assertAnomaly(anomaly);
  const profile = options.profile ?? pairProfile(creditor, debtor);
  const random = new SeededRandom(`consortium-usage/1|${String(options.seed)}|${creditor}|${debtor}|${period}|${firstId}`);
  const salt = BigInt(`0x${Buffer.from(random.bytes(SALT_BYTES)).toString('hex')}`) % FIELD_MODULUS;
  const subscribers = subscriberPool(random, debtor, Math.max(1, Math.ceil((count * profile.subscribersPer100Records) / 100)));
  const mix = SETTLEMENT_SERVICES.map((service) => (anomaly?.kind === 'drop' && anomaly.service === service ? 0 : profile.mix[service]));
  if (mix.every((weight) => weight === 0)) throw new InvalidRecordBatchError('anomaly', `dropping ${anomaly?.service ?? 'everything'} leaves profile ${profile.name} no service`);
  const startTimes = sortedStartTimes(random, period, count);
  const records: UsageRecord[] = startTimes.map((startTime, position) => {
    const service = SETTLEMENT_SERVICES[random.weighted(mix)]!;
    return {
      recordId: firstId + BigInt(position),
      subscriberRef: subscribers[heavyUserIndex(random, subscribers.length)]!,
      service,
      startTime,
      volume: applyAnomaly(volumeOf(random, service), service, anomaly),
      visitedTadig: creditor,
      homeTadig: debtor,
    };
  });
  const batch: RecordBatch = { creditor, debtor, period, firstId, records, salt };
  assertRecordBatch(batch);
  return batch;
}

/** Charging units of one event: voice rounded up to whole minutes (in seconds), one SMS, data in whole MB. */
function volumeOf(random: SeededRandom, service: SettlementService): bigint {
  if (service === 'sms') return 1n;
  if (service === 'data') return BigInt(draw(random, DATA_MEGABYTES));
  const seconds = draw(random, VOICE_SECONDS);
  return BigInt(Math.ceil(seconds / VOICE_INCREMENT_SECONDS) * VOICE_INCREMENT_SECONDS);
}

function draw(random: SeededRandom, buckets: readonly VolumeBucket[]): number {
  const bucket = buckets[random.weighted(buckets.map((b) => b.weight))]!;
  return random.intBetween(bucket.min, bucket.max);
}

function applyAnomaly(volume: bigint, service: SettlementService, anomaly: UsageAnomaly | undefined): bigint {
  if (anomaly === undefined || (anomaly.service !== undefined && anomaly.service !== service)) return volume;
  if (anomaly.kind === 'drop') return 0n; // only reached without a service: that service has no records
  const spiked = volume * BigInt(anomaly.factor);
  return spiked > VOLUME_MAX ? VOLUME_MAX : spiked;
}

/** Start times in the period, by hour-of-day weight, ascending (so ids follow time, as in a TAP file). */
function sortedStartTimes(random: SeededRandom, period: string, count: number): bigint[] {
  const { startSeconds, endSeconds } = periodBoundsUtc(period);
  const days = Number((endSeconds - startSeconds) / 86_400n);
  const times = Array.from({ length: count }, () => {
    const day = random.intBetween(0, days - 1);
    const hour = random.weighted(HOURLY_WEIGHTS);
    return startSeconds + BigInt(day * 86_400 + hour * 3_600 + random.intBetween(0, 3_599));
  });
  return times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Salted references of the home network's roamers; the salt comes from the seed and stays with the generator. */
function subscriberPool(random: SeededRandom, homeTadig: string, size: number): string[] {
  const salt = random.bytes(16);
  return Array.from({ length: size }, (_, i) => subscriberRefOf(`${homeTadig}-roamer-${i}`, salt));
}

/** Skewed to low indices (the product of two uniform draws): a few heavy users, many light ones. */
function heavyUserIndex(random: SeededRandom, size: number): number {
  return Number((BigInt(random.nextUint32()) * BigInt(random.nextUint32()) * BigInt(size)) >> 64n);
}

function assertAnomaly(anomaly: UsageAnomaly | undefined): void {
  if (anomaly === undefined) return;
  if (anomaly.service !== undefined && !(SETTLEMENT_SERVICES as readonly string[]).includes(anomaly.service)) {
    throw new InvalidRecordBatchError('anomaly.service', `${JSON.stringify(anomaly.service)} is not one of ${SETTLEMENT_SERVICES.join(', ')}`);
  }
  if (anomaly.kind === 'drop') return;
  if (anomaly.kind !== 'spike') throw new InvalidRecordBatchError('anomaly.kind', `expected "spike" or "drop", got ${JSON.stringify((anomaly as { kind: unknown }).kind)}`);
  if (!Number.isInteger(anomaly.factor) || anomaly.factor < 2 || anomaly.factor > SPIKE_FACTOR_MAX) {
    throw new InvalidRecordBatchError('anomaly.factor', `expected a whole number 2 .. ${SPIKE_FACTOR_MAX}, got ${anomaly.factor}`);
  }
}
