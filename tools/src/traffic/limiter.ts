/**
 * At most `max` pieces of work at once; the rest wait their turn in order. The generator keeps a
 * few statements in flight per creditor: each is a proof on that member's node, and proving is
 * what a 2-core machine runs out of first.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`a limiter needs a whole number >= 1, got ${max}`);
  }

  /** Work running now. */
  get active(): number {
    return this.running;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
