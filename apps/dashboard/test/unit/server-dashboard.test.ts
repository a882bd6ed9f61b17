import { createServer, type Server } from 'node:http';
import type { Telemetry } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamMessage } from '../../src/protocol.js';
import { RETAINED_METRICS } from '../../src/server/collect/retained.js';
import { ScrapeSource } from '../../src/server/collect/scrape-source.js';
import { SeriesStore } from '../../src/server/collect/series-store.js';
import type { Targets } from '../../src/server/collect/targets.js';
import { Dashboard } from '../../src/server/dashboard.js';
import { memberIds, nodeTelemetry, UpZeroEvaluator } from './server-fixtures.js';

/**
 * The dashboard's rounds driven by hand over /metrics pages that the telemetry catalogue renders,
 * served over HTTP (a member marked down answers 503): the stream messages it pushes, the alert
 * evaluator's changes, and what it relays from the nodes' event streams. The e2e suite runs the
 * same against real node processes.
 */

const ids = memberIds(5);
const nodes = new Map<string, Telemetry>(ids.map((id) => [id, nodeTelemetry(id)]));
const down = new Set<string>();
/** Members whose page never comes (the request hangs). */
const hung = new Set<string>();
let server: Server;
let targets: Targets;

beforeAll(async () => {
  server = createServer((request, response) => {
    const member = request.url!.split('/')[1]!;
    if (hung.has(member)) return;
    if (down.has(member) || !nodes.has(member)) {
      response.statusCode = 503;
      response.end();
      return;
    }
    void nodes.get(member)!.renderMetrics().then(({ contentType, body }) => {
      response.setHeader('content-type', contentType);
      response.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  targets = { chainId: 'c', keysManifestFile: null, ceremonyTranscriptFile: null, members: ids.map((id) => ({ id, tadig: id, operator: id, apiUrl: `http://127.0.0.1:${port}/${id}`, metricsUrl: `http://127.0.0.1:${port}/${id}/metrics`, observerToken: 'cst_x', totalsToken: null })) };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
  await Promise.all([...nodes.values()].map(async (node) => node.shutdown()));
});

describe('ScrapeSource', () => {
  it('reports a member whose page never comes down after its deadline, without holding the others', async () => {
    hung.add('M2');
    try {
      const store = new SeriesStore({ retentionMs: 60_000, seriesMax: 50_000 });
      const started = performance.now();
      const round = await new ScrapeSource(new Set(RETAINED_METRICS), 300).collect(targets, store, Date.now());
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(round.members.get('M2')).toMatchObject({ up: false });
      expect(round.members.get('M2')!.reason).toMatch(/^scrape failed: /);
      expect([...round.members.values()].filter((m) => m.up)).toHaveLength(4);
    } finally {
      hung.delete('M2');
    }
  });
});

describe('Dashboard rounds', () => {
  it('pushes ticks, fires and resolves an alert as a member goes down and comes back', async () => {
    let nowMs = 1_800_000_000_000;
    const logger = { warn: () => {}, info: () => {} };
    const dashboard = new Dashboard({ targets: () => targets, source: new ScrapeSource(new Set(RETAINED_METRICS)), intervalMs: 1_000, evaluator: new UpZeroEvaluator(), store: new SeriesStore({ retentionMs: 60_000, seriesMax: 50_000 }), logger, followEvents: false, nowMs: () => nowMs, chainPollMs: 3_600_000 });
    const messages: StreamMessage[] = [];
    dashboard.subscribe((message) => messages.push(message));
    const round = async () => {
      nowMs += 1_000;
      await dashboard.runRound();
    };
    for (const node of nodes.values()) {
      node.metrics.consensus.height.set(10);
      node.metrics.p2p.connectedPeers.set(4);
    }
    await round();
    // The first round makes the ZKP view (pushed again only when it changes).
    expect(messages.map((m) => m.type)).toEqual(['tick', 'zkp']);
    const first = messages[0] as Extract<StreamMessage, { type: 'tick' }>;
    expect(first.overall).toBe('healthy');
    // The first point of a chart makes its series: sent whole (a chart with no series yet, such as proofs by outcome, as an empty point).
    expect(Object.keys(first.replaced).length + Object.keys(first.points).length).toBe(17);
    expect(first.replaced.height).toEqual({ series: ids, times: [nowMs / 1000], values: ids.map(() => [10]) });

    down.add('M4');
    await round();
    const alert = messages.find((m): m is Extract<StreamMessage, { type: 'alert' }> => m.type === 'alert');
    expect(alert?.alert).toMatchObject({ rule: 'NodeDown', state: 'firing', labels: { member: 'M4' }, origin: 'dashboard' });
    const tick = messages.findLast((m): m is Extract<StreamMessage, { type: 'tick' }> => m.type === 'tick')!;
    expect(tick.cards.find((c) => c.member === 'M4')).toMatchObject({ status: 'down', reason: 'scrape failed: HTTP 503' });
    expect(tick.overall).toBe('degraded');
    expect(tick.points.height?.values).toEqual([10, 10, 10, null, 10]);

    down.delete('M4');
    messages.length = 0;
    await round();
    expect(messages.find((m) => m.type === 'alert')).toMatchObject({ alert: { state: 'resolved', resolvedAtMs: nowMs } });
    const snapshot = dashboard.snapshot('10m', { kind: 'scrape', intervalMs: 1_000 })!;
    expect(snapshot.alerts.active).toEqual([]);
    expect(snapshot.alerts.history).toHaveLength(1);
    expect(snapshot.charts.height.times).toHaveLength(3);
    await dashboard.stop();
  });

  it("relays the nodes' blocks and security events at once and lists equivocations", async () => {
    const dashboard = new Dashboard({ targets: () => targets, source: new ScrapeSource(new Set(RETAINED_METRICS)), intervalMs: 1_000, evaluator: null, store: new SeriesStore({ retentionMs: 60_000, seriesMax: 50_000 }), logger: { warn: () => {}, info: () => {} }, followEvents: false, chainPollMs: 3_600_000 });
    const messages: StreamMessage[] = [];
    dashboard.subscribe((message) => messages.push(message));
    dashboard.onNodeEvent({ member: 'M1', type: 'block', data: { height: 12, hash: 'ab', timeMs: 5, txs: 3 } });
    dashboard.onNodeEvent({ member: 'M2', type: 'security', data: { kind: 'equivocation', timeMs: 6, node: 'M2', who: { member: 'M5' }, where: { protocol: 'consensus' }, what: 'M5 signed two different precommit messages for one height, round and step', audience: { scope: 'public' } } });
    dashboard.onNodeEvent({ member: 'M2', type: 'security', data: 'not an event' });
    expect(messages).toEqual([
      { type: 'block', member: 'M1', height: 12, timeMs: 5, txs: 3 },
      { type: 'security', event: { timeMs: 6, node: 'M2', kind: 'equivocation', who: 'member=M5', where: 'protocol=consensus', what: 'M5 signed two different precommit messages for one height, round and step' } },
    ]);
    await dashboard.runRound();
    const snapshot = dashboard.snapshot('10m', { kind: 'scrape', intervalMs: 1_000 })!;
    expect(snapshot.security).toHaveLength(1);
    expect(snapshot.consensus.equivocations).toEqual([expect.objectContaining({ reportedBy: 'M2', offender: 'M5', message: 'precommit' })]);
    await dashboard.stop();
  });
});
