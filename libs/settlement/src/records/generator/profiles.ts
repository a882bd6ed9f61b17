/**
 * How roamers of one home network use one visited network: the service mix, the distribution
 * of call durations and data sessions, and when in the day they start. Figures are plausible
 * shapes for test data (a median call of a minute or two, most data sessions a few MB with a
 * long tail), all integers: weights in parts, durations in seconds, volumes in MB.
 */
import type { SettlementService } from '@consortium/zkp';

/** One bucket of a distribution: a value drawn uniformly in [min, max], chosen with `weight`. */
export interface VolumeBucket {
  readonly min: number;
  readonly max: number;
  readonly weight: number;
}

export interface UsageProfile {
  readonly name: string;
  /** Relative weight of each service among records (integers). */
  readonly mix: Readonly<Record<SettlementService, number>>;
  /** Roamers per 100 records: how many distinct subscribers a batch's records come from. */
  readonly subscribersPer100Records: number;
}

/** Call durations in seconds, before rounding up to the charging increment. */
export const VOICE_SECONDS: readonly VolumeBucket[] = [
  { min: 1, max: 30, weight: 15 },
  { min: 31, max: 60, weight: 20 },
  { min: 61, max: 120, weight: 25 },
  { min: 121, max: 300, weight: 22 },
  { min: 301, max: 900, weight: 13 },
  { min: 901, max: 3_600, weight: 5 },
];

/** The charging increment of voice: every started minute is charged (60 s rounding). */
export const VOICE_INCREMENT_SECONDS = 60;

/** Data per session in MB (rounded up per session, at least 1): most small, a long tail of streams and tethering. */
export const DATA_MEGABYTES: readonly VolumeBucket[] = [
  { min: 1, max: 2, weight: 30 },
  { min: 3, max: 10, weight: 30 },
  { min: 11, max: 50, weight: 22 },
  { min: 51, max: 200, weight: 12 },
  { min: 201, max: 1_000, weight: 5 },
  { min: 1_001, max: 5_000, weight: 1 },
];

/** Share of events starting in each hour of the day (UTC, 0-23): quiet at night, peaks at midday and evening. */
export const HOURLY_WEIGHTS: readonly number[] = [2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 10, 9, 9, 9, 9, 10, 11, 11, 10, 8, 6, 4];

export const PROFILES = {
  /** Business travel: calls out and in, little data. */
  business: { name: 'business', mix: { voice_mo: 34, voice_mt: 20, sms: 10, data: 36 }, subscribersPer100Records: 20 },
  /** Holidays: mostly data, some messages. */
  leisure: { name: 'leisure', mix: { voice_mo: 12, voice_mt: 8, sms: 14, data: 66 }, subscribersPer100Records: 30 },
  /** Cross-border commuters, residents of border regions, national roaming: a bit of everything. */
  border: { name: 'border', mix: { voice_mo: 22, voice_mt: 16, sms: 12, data: 50 }, subscribersPer100Records: 12 },
} as const satisfies Record<string, UsageProfile>;

export type ProfileName = keyof typeof PROFILES;

/**
 * The default profile of a (visited, home) pair: one country (national roaming) or neighbours
 * are border traffic, UK-EU business, the rest holiday traffic. Deterministic from the TADIG codes alone, so every run and every
 * node that generates a pair's traffic uses one mix.
 */
export function pairProfile(visitedTadig: string, homeTadig: string): UsageProfile {
  const visited = visitedTadig.slice(0, 3);
  const home = homeTadig.slice(0, 3);
  if (visited === home) return PROFILES.border;
  if (visited === 'GBR' || home === 'GBR') return PROFILES.business;
  const neighbours = new Set(['DEU-FRA', 'FRA-DEU']);
  return neighbours.has(`${visited}-${home}`) ? PROFILES.border : PROFILES.leisure;
}
