import type { ConsensusView, EquivocationItem, SecurityEventItem } from '../../protocol.js';
import type { Labels } from '../collect/prom-text.js';
import { DASHBOARD_LIMITS } from '../limits.js';
import { memberOf, peerOf, type DeriveContext } from './context.js';

/**
 * Counts of the consensus view since the dashboard started, which outlive the store's window:
 * missed precommits per validator and round changes, each the largest increase any node
 * reports per round (every node counts the same commits), and the equivocation evidence the
 * nodes published (newest first, bounded).
 */
export class ConsensusTracker {
  private readonly lastCounter = new Map<string, number>();
  private readonly missed = new Map<string, number>();
  private roundChanges = 0;
  private readonly equivocations: EquivocationItem[] = [];

  /** Adds what the round's samples add to the counters (a sample seen again adds nothing: its value did not move). */
  update(context: DeriveContext): void {
    const since = context.nowMs - context.rateWindowMs;
    const missedThisRound = this.increasesBy(context, 'consortium_consensus_missed_blocks_total', since, (labels) => peerOf(labels));
    for (const [validator, increase] of missedThisRound) this.missed.set(validator, (this.missed.get(validator) ?? 0) + increase);
    const rounds = this.increasesBy(context, 'consortium_consensus_round_changes_total', since, () => 'all');
    this.roundChanges += rounds.get('all') ?? 0;
  }

  /** For each key, the largest increase over the reporting members since the last update (the first sample of a series only sets its base). */
  private increasesBy(context: DeriveContext, metric: string, sinceMs: number, key: (labels: Labels) => string | null): Map<string, number> {
    const perMember = new Map<string, Map<string, number>>();
    for (const { labels, sample } of context.store.latest(metric, sinceMs)) {
      const member = memberOf(labels);
      const name = key(labels);
      if (member === null || name === null) continue;
      const seriesKey = `${metric}\u0000${member}\u0000${JSON.stringify(labels)}`;
      const previous = this.lastCounter.get(seriesKey);
      this.lastCounter.set(seriesKey, sample.value);
      if (previous === undefined) continue;
      const increase = sample.value >= previous ? sample.value - previous : sample.value;
      const sums = perMember.get(name) ?? new Map<string, number>();
      sums.set(member, (sums.get(member) ?? 0) + increase);
      perMember.set(name, sums);
    }
    return new Map([...perMember].map(([name, sums]) => [name, Math.max(...sums.values())]));
  }

  /** An equivocation security event a node published. */
  addEquivocation(event: SecurityEventItem): EquivocationItem {
    const item: EquivocationItem = {
      timeMs: event.timeMs,
      reportedBy: event.node,
      offender: /^member=(\S+)/.exec(event.who)?.[1] ?? event.who,
      message: /(proposal|prevote|precommit)/.exec(event.what)?.[1] ?? 'unknown',
      detail: event.what,
    };
    this.equivocations.unshift(item);
    this.equivocations.length = Math.min(this.equivocations.length, DASHBOARD_LIMITS.equivocationsMax);
    return item;
  }

  view(validators: readonly string[]): ConsensusView {
    return {
      missedVotes: validators.map((validator) => ({ validator, missed: this.missed.get(validator) ?? 0 })),
      equivocations: [...this.equivocations],
      roundChanges: this.roundChanges,
    };
  }
}
