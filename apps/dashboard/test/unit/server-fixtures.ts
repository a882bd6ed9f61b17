import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import type { AlertEvaluation, AlertEvaluator, EvaluatedAlert } from '../../src/server/alerts.js';
import type { StreamMessage } from '../../src/protocol.js';
import type { CollectionRound } from '../../src/server/collect/data-source.js';
import { parsePrometheusText } from '../../src/server/collect/prom-text.js';
import { RETAINED_METRICS, UP_METRIC } from '../../src/server/collect/retained.js';
import { instanceOf, recordPage } from '../../src/server/collect/scrape-source.js';
import { SeriesStore, type SeriesReader } from '../../src/server/collect/series-store.js';
import type { Target, Targets } from '../../src/server/collect/targets.js';
import type { DeriveContext } from '../../src/server/derive/context.js';

/**
 * Member nodes' /metrics pages for the dashboard's unit tests, rendered by the real catalogue of
 * @consortium/telemetry (the same code a node serves /metrics with), with values each test sets.
 */

export const memberIds = (count: number) => Array.from({ length: count }, (_, i) => `M${i + 1}`);

export function targetsOf(ids: readonly string[]): Targets {
  return {
    chainId: 'test-chain',
    members: ids.map((id, i): Target => ({ id, tadig: `T${i}`, operator: `Operator ${id}`, apiUrl: `http://127.0.0.1:${27000 + i}`, metricsUrl: `http://127.0.0.1:${27000 + i}/metrics`, observerToken: 'cst_test', totalsToken: null })),
    keysManifestFile: null,
    ceremonyTranscriptFile: null,
  };
}

/** One member node's telemetry (no collectors, nothing global), its process info set as a node's collector would. */
export function nodeTelemetry(member: string, version = '0.1.0'): Telemetry {
  const telemetry = setupTelemetry({ serviceName: 'consortium-node', memberId: member, registerGlobal: false, collectors: false, env: {} });
  telemetry.metrics.process.info.set({ service: 'consortium-node', member, version, node_version: 'v24.0.0' }, 1);
  return telemetry;
}

export async function pageOf(telemetry: Telemetry): Promise<string> {
  return (await telemetry.renderMetrics()).body;
}

/**
 * Records one collection round as ScrapeSource does: each member's page (absent: the member is
 * down) into the store at `nowMs`, with its target labels and `up`.
 */
export async function recordRound(store: SeriesStore, targets: Targets, nodes: ReadonlyMap<string, Telemetry | null>, nowMs: number): Promise<CollectionRound> {
  const retained = new Set(RETAINED_METRICS);
  const members = new Map<string, { up: boolean; reason: string | null; lastSeenMs: number | null }>();
  for (const target of targets.members) {
    const node = nodes.get(target.id) ?? null;
    const labels = { member: target.id, instance: instanceOf(target.metricsUrl) };
    if (node === null) {
      store.append(UP_METRIC, labels, nowMs, 0);
      members.set(target.id, { up: false, reason: 'scrape failed: ECONNREFUSED', lastSeenMs: null });
      continue;
    }
    recordPage(store, parsePrometheusText(await pageOf(node), 100_000), target, nowMs, retained);
    store.append(UP_METRIC, labels, nowMs, 1);
    members.set(target.id, { up: true, reason: null, lastSeenMs: nowMs });
  }
  return { nowMs, members };
}

export function contextOf(store: SeriesStore, targets: Targets, round: CollectionRound, rateWindowMs = 10_000): DeriveContext {
  return { store, targets, round, nowMs: round.nowMs, rateWindowMs };
}

export const newStore = () => new SeriesStore({ retentionMs: 15 * 60_000, seriesMax: 100_000 });

/**
 * A rule evaluator of the shape @consortium/telemetry provides, for these tests only: "a member
 * whose latest `up` is 0 is down". The real rules live in the telemetry library.
 */
export class UpZeroEvaluator implements AlertEvaluator {
  private readonly since = new Map<string, number>();
  evaluate(reader: SeriesReader, nowMs: number): AlertEvaluation {
    const active: EvaluatedAlert[] = [];
    for (const { labels, samples } of reader.select('up', nowMs - 60_000, nowMs)) {
      const member = labels['member']!;
      if (samples.at(-1)?.value !== 0) {
        this.since.delete(member);
        continue;
      }
      const since = this.since.get(member) ?? nowMs;
      this.since.set(member, since);
      active.push({ rule: 'NodeDown', severity: 'critical', state: 'firing', labels: { member }, summary: `${member} is down`, runbook: 'node-down', activeSinceMs: since });
    }
    return { active, fired: [], resolved: [] };
  }
}

/** Appends each server-sent event's JSON data of `body` to `messages` as it arrives (until the body ends or is aborted). */
export async function collectEventStream(body: AsyncIterable<Uint8Array>, messages: StreamMessage[], onMessage: () => boolean = () => false): Promise<void> {
  let buffer = '';
  for await (const chunk of body) {
    buffer += Buffer.from(chunk).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(0, end).split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
      buffer = buffer.slice(end + 2);
      if (data !== '') messages.push(JSON.parse(data) as StreamMessage);
    }
    if (onMessage()) return;
  }
}
