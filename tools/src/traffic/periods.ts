import { isPeriod, periodEndMs } from '@consortium/settlement';

/** Month arithmetic on settlement periods ("YYYY-MM", UTC), integers only. */

/** The period `date` falls in (UTC). */
export function periodOf(date: Date): string {
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Months since year 0: consecutive periods are consecutive numbers. */
export function monthNumber(period: string): number {
  if (!isPeriod(period)) throw new RangeError(`${period} is not a period YYYY-MM`);
  return Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;
}

export function periodFromMonthNumber(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** `period` moved by `months` (negative: earlier). */
export function addMonths(period: string, months: number): string {
  return periodFromMonthNumber(monthNumber(period) + months);
}

/** Is `period` over at `nowMs` (block time will be later still), so it can be closed at once? */
export function periodIsOver(period: string, nowMs: number): boolean {
  return periodEndMs(period) <= nowMs;
}
