import type { AlertItem } from '../../protocol.js';
import { alertId, runbookUrlOf, severityOf } from '../alerts.js';
import { UpstreamResponseError } from '../errors.js';
import { DASHBOARD_LIMITS, DEADLINES_MS } from '../limits.js';
import type { CollectionRound, DataSource, MemberScrape } from './data-source.js';
import { describeFailure, fetchJson } from './http-fetch.js';
import { UP_METRIC } from './retained.js';
import { instanceOf } from './scrape-source.js';
import type { SeriesStore } from './series-store.js';
import type { Targets } from './targets.js';

/**
 * Prometheus mode (--prometheus <url>): each round one instant query (`/api/v1/query`) for the
 * retained metrics of every member fills the SeriesStore with Prometheus' latest samples, so the
 * cards, charts and views are derived exactly as in scrape mode; `up` comes from Prometheus'
 * own scrape. Alerts are Prometheus' evaluation of the shipped rules (`/api/v1/alerts`, origin
 * `prometheus`). A series keeps the labels Prometheus gives it; one without `member` gets it
 * from its instance (the member whose metricsUrl has that host:port).
 */

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: readonly [number, string];
}

/** `{__name__=~"a|b"}`: one selector for every retained metric (names are [a-zA-Z0-9_:], nothing to escape). */
export function retainedSelector(metrics: Iterable<string>): string {
  return `{__name__=~"${[...metrics].join('|')}"}`;
}

export class PrometheusSource implements DataSource {
  readonly kind = 'prometheus' as const;
  /** Four scrapes at Prometheus' default 15 s interval. */
  readonly rateWindowMs = 60_000;
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly baseUrl: string,
    private readonly retained: ReadonlySet<string>,
  ) {}

  private async api(path: string): Promise<unknown> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    const json = (await fetchJson(url, { timeoutMs: DEADLINES_MS.prometheus, bytesMax: DASHBOARD_LIMITS.apiResponseBytesMax })) as { status?: string; data?: unknown; error?: string };
    if (json.status !== 'success') throw new UpstreamResponseError(`Prometheus ${path}: ${json.error ?? 'no success status'}`, url, 200);
    return json.data;
  }

  async collect(targets: Targets, store: SeriesStore, nowMs: number): Promise<CollectionRound> {
    const byInstance = new Map(targets.members.map((m) => [instanceOf(m.metricsUrl), m.id]));
    const known = new Set(targets.members.map((m) => m.id));
    const up = new Map<string, boolean>();
    let failure: string | null = null;
    try {
      const data = (await this.api(`/api/v1/query?query=${encodeURIComponent(retainedSelector(this.retained))}&time=${nowMs / 1000}`)) as { resultType?: string; result?: VectorSample[] };
      if (data.resultType !== 'vector' || !Array.isArray(data.result)) throw new UpstreamResponseError('Prometheus answered no instant vector', this.baseUrl, 200);
      if (data.result.length > DASHBOARD_LIMITS.metricsPageSamplesMax * targets.members.length) throw new UpstreamResponseError('Prometheus answered more samples than the dashboard keeps', this.baseUrl, 200);
      for (const { metric, value } of data.result) {
        const { __name__: name, ...labels } = metric;
        const member = labels['member'] ?? byInstance.get(labels['instance'] ?? '');
        if (name === undefined || member === undefined || !known.has(member)) continue;
        const sampleValue = Number(value[1]);
        store.append(name, { ...labels, member }, Math.round(value[0] * 1000), sampleValue);
        if (name === UP_METRIC) up.set(member, sampleValue === 1);
      }
    } catch (error) {
      failure = `Prometheus query failed: ${describeFailure(error)}`;
    }
    const members = new Map<string, MemberScrape>();
    for (const { id } of targets.members) {
      const isUp = up.get(id) === true;
      if (isUp) this.lastSeen.set(id, nowMs);
      members.set(id, { up: isUp, reason: isUp ? null : (failure ?? (up.has(id) ? 'Prometheus reports it down (up == 0)' : 'Prometheus has no scrape of it')), lastSeenMs: this.lastSeen.get(id) ?? null });
    }
    return { nowMs, members };
  }

  async alerts(nowMs: number): Promise<readonly AlertItem[]> {
    const data = (await this.api('/api/v1/alerts')) as { alerts?: { labels?: Record<string, string>; annotations?: Record<string, string>; state?: string; activeAt?: string }[] };
    if (!Array.isArray(data.alerts)) throw new UpstreamResponseError('Prometheus answered no alert list', this.baseUrl, 200);
    return data.alerts.slice(0, DASHBOARD_LIMITS.activeAlertsMax).flatMap((alert): AlertItem[] => {
      const labels = alert.labels ?? {};
      const rule = labels['alertname'];
      if (rule === undefined || (alert.state !== 'firing' && alert.state !== 'pending')) return [];
      const annotations = alert.annotations ?? {};
      const activeAt = Date.parse(alert.activeAt ?? '');
      return [
        {
          id: alertId(rule, labels),
          rule,
          severity: severityOf(labels['severity']),
          state: alert.state,
          labels,
          summary: annotations['summary'] ?? rule,
          runbookUrl: runbookUrlOf(annotations['runbook_url'] ?? annotations['runbook'] ?? rule),
          activeSinceMs: Number.isNaN(activeAt) ? nowMs : activeAt,
          resolvedAtMs: null,
          origin: 'prometheus',
        },
      ];
    });
  }
}
