import { WAL_SEQUENCE_MAX } from './repositories/wal.js';
import { StoreArgumentError } from './errors.js';

/**
 * Hands out the next WAL sequence number of each height, in call order. The first append to a
 * height since the store opened looks up the last stored sequence of that height (so numbering
 * continues after a restart instead of overwriting entries); concurrent first appends share
 * that one lookup and then draw in the order they asked.
 */
export class WalSequences {
  private readonly nextByHeight = new Map<number, number>();
  private readonly lookups = new Map<number, Promise<number>>();

  constructor(private readonly lastStoredSequence: (height: number) => Promise<number | null>) {}

  async allocate(height: number): Promise<number> {
    let next = this.nextByHeight.get(height);
    if (next === undefined) {
      const loaded = await this.lookupOnce(height);
      // Another caller that shared the lookup may have drawn first: its counter wins.
      next = this.nextByHeight.get(height) ?? loaded;
    }
    if (next > WAL_SEQUENCE_MAX) throw new StoreArgumentError(`height ${height} has used all ${WAL_SEQUENCE_MAX + 1} WAL sequence numbers`);
    this.nextByHeight.set(height, next + 1);
    return next;
  }

  /** Drops the counters of pruned heights, so the map holds only heights still in the WAL. */
  forgetBelow(height: number): void {
    for (const known of this.nextByHeight.keys()) if (known < height) this.nextByHeight.delete(known);
  }

  private lookupOnce(height: number): Promise<number> {
    let lookup = this.lookups.get(height);
    if (lookup === undefined) {
      lookup = this.lastStoredSequence(height)
        .then((last) => (last === null ? 0 : last + 1))
        .finally(() => this.lookups.delete(height));
      this.lookups.set(height, lookup);
    }
    return lookup;
  }
}
