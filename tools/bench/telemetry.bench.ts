// Telemetry hot paths: rendering /metrics, and the cost of recording one observation.
// Goal (issue #2): /metrics render p99 <= 10 ms with the full catalogue and 5 peers' worth of
// labelled series.
import { setupTelemetry } from '@consortium/telemetry';
import { Counter, Histogram } from 'prom-client';
import { Bench } from 'tinybench';
import { printBench } from './report.js';

const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR'];
const PROTOCOLS = ['consensus', 'tx', 'sync', 'records', 'ceremony', 'identify'];

export async function runTelemetryBench(): Promise<void> {
  const telemetry = setupTelemetry({ serviceName: 'bench', memberId: 'T-Mobile-DE', env: {}, logLevel: 'silent' });
  const { metrics, registry } = telemetry;

  // Every catalogued series with a value.
  metrics.api.requestsTotal.inc({ route: '/v1/status', method: 'GET', status_class: '2xx' });
  metrics.api.requestDurationSeconds.observe({ route: '/v1/status', method: 'GET' }, 0.001);
  metrics.security.rateLimitedRequestsTotal.inc({ route: '/v1/status', scope: 'client' });

  // Five peers' worth of per-peer series, shaped like the p2p and consensus areas issue #3
  // adds: bytes and messages per peer, protocol and direction; RTT per peer; missed blocks.
  const bytes = new Counter({ name: 'bench_p2p_bytes_total', help: 'x', labelNames: ['member', 'protocol', 'direction'], registers: [registry] });
  const messages = new Counter({ name: 'bench_p2p_messages_total', help: 'x', labelNames: ['member', 'protocol', 'direction'], registers: [registry] });
  const rtt = new Histogram({ name: 'bench_p2p_rtt_seconds', help: 'x', labelNames: ['member'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [registry] });
  const missed = new Counter({ name: 'bench_consensus_missed_blocks_total', help: 'x', labelNames: ['member'], registers: [registry] });
  for (const member of MEMBERS) {
    for (const protocol of PROTOCOLS) {
      for (const direction of ['in', 'out']) {
        bytes.inc({ member, protocol, direction }, 1000);
        messages.inc({ member, protocol, direction }, 10);
      }
    }
    rtt.observe({ member }, 0.004);
    missed.inc({ member });
  }
  const page = await telemetry.renderMetrics();
  const seriesLines = page.body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  console.log(`telemetry: /metrics page of ${seriesLines} series lines, ${page.body.length.toLocaleString('en-US')} bytes`);

  const counterChild = metrics.security.invalidMessagesTotal.labels({ kind: 'malformed' });
  const histogramChild = metrics.api.requestDurationSeconds.labels({ route: '/v1/status', method: 'GET' });

  const render = new Bench({ time: 3_000, warmupTime: 500 });
  render.add('render /metrics (collect + prom-client + OTel)', async () => {
    await telemetry.renderMetrics();
  });
  await render.run();
  printBench(render);

  const record = new Bench({ time: 1_000 });
  record
    .add('counter.inc(labels)', () => metrics.security.invalidMessagesTotal.inc({ kind: 'malformed' }))
    .add('counter child .inc()', () => counterChild.inc())
    .add('histogram.observe(labels, value)', () => metrics.api.requestDurationSeconds.observe({ route: '/v1/status', method: 'GET' }, 0.0021))
    .add('histogram child .observe(value)', () => histogramChild.observe(0.0021));
  await record.run();
  printBench(record);

  await telemetry.shutdown();
}
