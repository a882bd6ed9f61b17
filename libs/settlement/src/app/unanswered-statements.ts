import type { StatementRecord } from '../state/records.js';

/**
 * The statements still proposed (neither accepted nor disputed by their debtor), oldest first,
 * kept up to date from each committed statement change: the oldest one's age is a metric of
 * every block, and a scan of all statements per block would grow with the chain's history.
 *
 * Statements are proposed in block order and block times never go back, so appending keeps
 * the map in proposal-time order and the first entry is the oldest. A record that breaks that
 * order (one loaded from a database, restored from a snapshot) re-sorts the index once.
 */
export class UnansweredStatements {
  /** Statement id -> block time of its proposal (ms), in increasing time. */
  private byId = new Map<string, number>();
  private newestMs = Number.NEGATIVE_INFINITY;

  get size(): number {
    return this.byId.size;
  }

  /** Rebuilds the index from a whole state (start-up, snapshot restore). */
  reset(statements: Iterable<StatementRecord>): void {
    const proposed = [...statements].filter((s) => s.state === 'proposed').sort((x, y) => x.proposedTimeMs - y.proposedTimeMs);
    this.byId = new Map(proposed.map((s) => [s.id, s.proposedTimeMs]));
    this.newestMs = proposed.at(-1)?.proposedTimeMs ?? Number.NEGATIVE_INFINITY;
  }

  /** A statement record changed from `before` (undefined: new) to `after`. */
  changed(before: StatementRecord | undefined, after: StatementRecord): void {
    const wasProposed = before?.state === 'proposed';
    const isProposed = after.state === 'proposed';
    if (wasProposed && !isProposed) this.byId.delete(after.id);
    if (isProposed && !wasProposed) this.add(after.id, after.proposedTimeMs);
  }

  /** Block time (ms) since the oldest unanswered statement was proposed; 0 when none waits. */
  oldestAgeMs(blockTimeMs: number): number {
    for (const proposedMs of this.byId.values()) return Math.max(0, blockTimeMs - proposedMs);
    return 0;
  }

  private add(id: string, proposedMs: number): void {
    this.byId.set(id, proposedMs);
    if (proposedMs >= this.newestMs) {
      this.newestMs = proposedMs;
      return;
    }
    this.byId = new Map([...this.byId].sort(([, x], [, y]) => x - y));
  }
}
