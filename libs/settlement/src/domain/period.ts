/** Periods are "YYYY-MM": zero-padded, so string order is time order. */

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

/** Is `period` within [from, to] (inclusive)? */
export function periodWithin(period: string, from: string, to: string): boolean {
  return from <= period && period <= to;
}
