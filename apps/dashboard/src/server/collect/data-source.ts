import type { AlertItem, DataSourceKind } from '../../protocol.js';
import type { SeriesStore } from './series-store.js';
import type { Targets } from './targets.js';

/**
 * Where the metrics come from. Both sources fill the same SeriesStore with the same labels
 * (`member` and `instance` on every series, `up` per member), so everything downstream (cards,
 * charts, alert rules) is one code path: `scrape` reads each node's /metrics itself,
 * `prometheus` asks a Prometheus server that already scrapes them.
 */

export interface MemberScrape {
  readonly up: boolean;
  /** Why it is down (e.g. "ECONNREFUSED"), null when up. */
  readonly reason: string | null;
  /** When the source last read the member successfully. */
  readonly lastSeenMs: number | null;
}

export interface CollectionRound {
  readonly nowMs: number;
  readonly members: ReadonlyMap<string, MemberScrape>;
}

export interface DataSource {
  readonly kind: DataSourceKind;
  /** The shortest window that holds two of its samples of a series (rates need two): Prometheus scrapes on its own interval. */
  readonly rateWindowMs?: number;
  /** Reads every member once and appends what it read to `store`. Never throws for a member that fails: it is reported down. */
  collect(targets: Targets, store: SeriesStore, nowMs: number): Promise<CollectionRound>;
  /** Alerts the source evaluates itself (Prometheus' rules); absent when the dashboard evaluates them. */
  alerts?(nowMs: number): Promise<readonly AlertItem[]>;
}
