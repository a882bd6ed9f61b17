import type { SeriesStore } from '../collect/series-store.js';
import type { CollectionRound } from '../collect/data-source.js';
import type { Targets } from '../collect/targets.js';

/** What every derivation reads: the store, the members in genesis order, the round just collected. */
export interface DeriveContext {
  readonly store: SeriesStore;
  readonly targets: Targets;
  readonly round: CollectionRound;
  readonly nowMs: number;
  /** Window of rates and histogram deltas (a few collection intervals, so one late scrape does not zero a rate). */
  readonly rateWindowMs: number;
}

/** The member a series was collected from (its target label). */
export const memberOf = (labels: Readonly<Record<string, string>>): string | null => labels['member'] ?? null;
/** The peer or validator a per-member metric names (the page's own `member`, renamed by the target labels). */
export const peerOf = (labels: Readonly<Record<string, string>>): string | null => labels['exported_member'] ?? null;
