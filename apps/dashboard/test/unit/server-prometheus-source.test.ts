import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusSource, retainedSelector } from '../../src/server/collect/prometheus-source.js';
import { SeriesStore } from '../../src/server/collect/series-store.js';
import { targetsOf } from './server-fixtures.js';

/**
 * Prometheus mode against an HTTP server that answers as Prometheus' API does (Prometheus is
 * outside the project; the e2e suite runs the real one). Answers are in the API's documented
 * shapes (/api/v1/query instant vector, /api/v1/alerts).
 */

const targets = targetsOf(['M1', 'M2', 'M3']);
let queries: string[] = [];
let alertsAnswer: unknown = { status: 'success', data: { alerts: [] } };
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    response.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1/query') {
      queries.push(url.searchParams.get('query')!);
      const time = Number(url.searchParams.get('time'));
      const result = [
        { metric: { __name__: 'up', job: 'consortium', instance: '127.0.0.1:27000', member: 'M1' }, value: [time, '1'] },
        // No member label: found by its instance.
        { metric: { __name__: 'up', job: 'consortium', instance: '127.0.0.1:27001' }, value: [time, '1'] },
        { metric: { __name__: 'up', job: 'consortium', instance: '127.0.0.1:27002', member: 'M3' }, value: [time, '0'] },
        { metric: { __name__: 'consortium_consensus_height', instance: '127.0.0.1:27000', member: 'M1' }, value: [time, '77'] },
        { metric: { __name__: 'consortium_p2p_peer_connected', instance: '127.0.0.1:27000', member: 'M1', exported_member: 'M2' }, value: [time, '1'] },
        // A target that is not a member of this consortium is left out.
        { metric: { __name__: 'up', instance: '10.0.0.9:1', member: 'Stranger' }, value: [time, '1'] },
      ];
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    } else if (url.pathname === '/api/v1/alerts') {
      response.end(JSON.stringify(alertsAnswer));
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => new Promise<void>((done) => server.close(() => done())));

describe('PrometheusSource', () => {
  it('fills the store from one instant query with the same labels as scrape mode, and up per member', async () => {
    queries = [];
    const store = new SeriesStore({ retentionMs: 60_000, seriesMax: 100 });
    const source = new PrometheusSource(baseUrl, new Set(['up', 'consortium_consensus_height', 'consortium_p2p_peer_connected']));
    const round = await source.collect(targets, store, 1_800_000_000_000);
    expect(queries).toEqual([retainedSelector(['up', 'consortium_consensus_height', 'consortium_p2p_peer_connected'])]);
    expect(round.members.get('M1')).toEqual({ up: true, reason: null, lastSeenMs: 1_800_000_000_000 });
    expect(round.members.get('M2')?.up).toBe(true);
    expect(round.members.get('M3')).toEqual({ up: false, reason: 'Prometheus reports it down (up == 0)', lastSeenMs: null });
    const [height] = [...store.select('consortium_consensus_height', 0, 2e12)];
    expect(height).toEqual({ labels: { instance: '127.0.0.1:27000', member: 'M1' }, samples: [{ timeMs: 1_800_000_000_000, value: 77 }] });
    expect([...store.select('up', 0, 2e12)].map((s) => s.labels['member']).sort()).toEqual(['M1', 'M2', 'M3']);
  });

  it('reports every member down, with the reason, when Prometheus does not answer', async () => {
    const source = new PrometheusSource('http://127.0.0.1:9', new Set(['up']));
    const round = await source.collect(targets, new SeriesStore({ retentionMs: 1, seriesMax: 1 }), 1);
    expect([...round.members.values()].every((m) => !m.up && m.reason!.startsWith('Prometheus query failed: '))).toBe(true);
  });

  it("reads Prometheus' firing and pending alerts with origin prometheus", async () => {
    alertsAnswer = {
      status: 'success',
      data: {
        alerts: [
          { labels: { alertname: 'NodeDown', severity: 'critical', member: 'M3' }, annotations: { summary: 'M3 is down', runbook_url: 'docs/operations.md#node-down' }, state: 'firing', activeAt: '2026-11-29T10:00:00Z', value: '0e+00' },
          { labels: { alertname: 'SlowBlocks', severity: 'warning' }, annotations: {}, state: 'pending', activeAt: '2026-11-29T10:01:00Z' },
          { labels: { severity: 'warning' }, state: 'firing' },
        ],
      },
    };
    const alerts = await new PrometheusSource(baseUrl, new Set(['up'])).alerts(5);
    expect(alerts).toEqual([
      expect.objectContaining({ id: 'NodeDown{member="M3"}', rule: 'NodeDown', severity: 'critical', state: 'firing', summary: 'M3 is down', runbookUrl: 'docs/operations.md#node-down', activeSinceMs: Date.parse('2026-11-29T10:00:00Z'), origin: 'prometheus' }),
      expect.objectContaining({ rule: 'SlowBlocks', state: 'pending', runbookUrl: 'docs/operations.md#SlowBlocks' }),
    ]);
    alertsAnswer = { status: 'error', error: 'bad' };
    await expect(new PrometheusSource(baseUrl, new Set(['up'])).alerts(5)).rejects.toThrow(/bad/);
  });
});
