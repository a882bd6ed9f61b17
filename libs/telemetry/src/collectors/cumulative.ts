/**
 * Feeds a counter from an absolute, ever-growing reading taken from the OS (CPU seconds,
 * interface bytes): each reading adds the growth since the previous one. A reading lower than
 * the previous (a counter wrap, an interface re-created) starts a new baseline.
 */
export class CumulativeReadings {
  private readonly previous = new Map<string, number>();

  /** Returns how much to add to the counter for this key, never negative. */
  delta(key: string, reading: number): number {
    const before = this.previous.get(key);
    this.previous.set(key, reading);
    if (before === undefined) return reading;
    return reading >= before ? reading - before : reading;
  }
}
