import { DASHBOARD_LIMITS, DEADLINES_MS } from '../limits.js';
import type { CollectionRound, DataSource, MemberScrape } from './data-source.js';
import { describeFailure, fetchText } from './http-fetch.js';
import { parsePrometheusText, type Labels, type ParsedSample } from './prom-text.js';
import { UP_METRIC } from './retained.js';
import type { SeriesStore } from './series-store.js';
import type { Target, Targets } from './targets.js';

/** `host:port` of a URL, as Prometheus names a scrape target's instance. */
export function instanceOf(url: string): string {
  return new URL(url).host;
}

/**
 * The target labels on a page's series, as Prometheus attaches them (honor_labels false): the
 * page's own `member` (the peer of a per-peer metric) and `instance` become `exported_member`
 * and `exported_instance`, so a rule reads the same series in both data sources.
 */
export function withTargetLabels(labels: Labels, member: string, instance: string): Labels {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (name === 'member' || name === 'instance') result[`exported_${name}`] = value;
    else result[name] = value;
  }
  result['member'] = member;
  result['instance'] = instance;
  return result;
}

/** Appends the retained samples of one member's page, with its target labels. */
export function recordPage(store: SeriesStore, samples: readonly ParsedSample[], target: Target, timeMs: number, retained: ReadonlySet<string>): void {
  const instance = instanceOf(target.metricsUrl);
  for (const sample of samples) if (retained.has(sample.name)) store.append(sample.name, withTargetLabels(sample.labels, target.id, instance), timeMs, sample.value);
}

/** The default source: GET each node's /metrics, every member at once, each within its deadline and byte bound. */
export class ScrapeSource implements DataSource {
  readonly kind = 'scrape' as const;
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly retained: ReadonlySet<string>,
    private readonly timeoutMs: number = DEADLINES_MS.scrape,
  ) {}

  async collect(targets: Targets, store: SeriesStore, nowMs: number): Promise<CollectionRound> {
    const results = await Promise.all(targets.members.map(async (target) => [target.id, await this.scrapeOne(target, store, nowMs)] as const));
    return { nowMs, members: new Map(results) };
  }

  private async scrapeOne(target: Target, store: SeriesStore, nowMs: number): Promise<MemberScrape> {
    const upLabels = { member: target.id, instance: instanceOf(target.metricsUrl) };
    try {
      const page = await fetchText(target.metricsUrl, { timeoutMs: this.timeoutMs, bytesMax: DASHBOARD_LIMITS.metricsPageBytesMax, accept: 'text/plain' });
      const samples = parsePrometheusText(page, DASHBOARD_LIMITS.metricsPageSamplesMax);
      recordPage(store, samples, target, nowMs, this.retained);
      store.append(UP_METRIC, upLabels, nowMs, 1);
      this.lastSeen.set(target.id, nowMs);
      return { up: true, reason: null, lastSeenMs: nowMs };
    } catch (error) {
      store.append(UP_METRIC, upLabels, nowMs, 0);
      return { up: false, reason: `scrape failed: ${describeFailure(error)}`, lastSeenMs: this.lastSeen.get(target.id) ?? null };
    }
  }
}
