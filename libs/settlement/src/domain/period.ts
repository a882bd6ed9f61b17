/** Periods are "YYYY-MM": zero-padded, so string order is time order. */

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

/** Is `period` within [from, to] (inclusive)? */
export function periodWithin(period: string, from: string, to: string): boolean {
  return from <= period && period <= to;
}

/** The first instant after the period (UTC), in ms: "2026-11" ends at 2026-12-01T00:00:00Z. */
export function periodEndMs(period: string): number {
  const match = PERIOD.exec(period);
  if (match === null) throw new RangeError(`${period} is not a period YYYY-MM`);
  // Date.UTC takes a 0-based month: the 1-based month number is next month's index.
  return Date.UTC(Number(match[1]), Number(match[2]));
}
