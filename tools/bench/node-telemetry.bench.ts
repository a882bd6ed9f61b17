// Telemetry on a running node (issue 9): what a Prometheus scrape of a busy node's /metrics
// costs, and what the instrumentation costs the node's transaction throughput.
// Goals: /metrics scrape p99 <= 10 ms with the full catalogue; instrumentation overhead on node
// tx/s <= 3 %.
import { execFileSync } from 'node:child_process';
import { parsePageSeries } from '@consortium/telemetry';
import { Consortium } from '../src/devnet/consortium.js';
import { offerLoad, type LoadResult } from './load.js';
import { percentile } from './report.js';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 20_000);

/**
 * Scrapes one node's /metrics every 50 ms (a Prometheus at 20 Hz, far above its usual 15 s)
 * while the consortium commits an offered load; the latency is the client's, HTTP included.
 */
export async function runMetricsScrapeBench(): Promise<void> {
  const load = Number(process.env.BENCH_LOAD ?? 500);
  const consortium = await Consortium.start(MEMBERS);
  try {
    await consortium.waitAllReady();
    const node = consortium.nodes[0]!;
    if (PIN_SCRAPED_NODE) pinScrapedNode(node.pid!, consortium.nodes.slice(1).map((other) => other.pid!));
    const latenciesMs: number[] = [];
    let page = '';
    const statuses = new Map<number, number>();
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const started = performance.now();
        const response = await fetch(`${node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) page = text;
        latenciesMs.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const result = await offerLoad(consortium, load, DURATION_MS, 'scrape');
    scraping = false;
    await scraper;
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    console.log(`metrics-scrape: ${MEMBERS} node processes${PIN_SCRAPED_NODE ? ' (the scraped one alone on CPU 1)' : ''}, offered ${load} tx/s for ${DURATION_MS / 1000} s (committed ${result.committedTxsPerSecond} tx/s)`);
    if (statuses.size > 1 || !statuses.has(200)) console.log(`  answers by HTTP status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    console.log(`  page: ${parsePageSeries(page).length} series, ${page.length.toLocaleString('en-US')} bytes`);
    console.log(`  server side (the node's own consortium_api_request_duration_seconds for /metrics): p99 <= ${serverP99Bound(page)}`);
    console.log(`  the node's event-loop delay at the last scrape (consortium_process_event_loop_delay_seconds): ${eventLoopDelay(page)}`);
    console.log(
      `  ${sorted.length} scrapes: p50 ${percentile(sorted, 50).toFixed(2)} ms  p95 ${percentile(sorted, 95).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms  max ${sorted.at(-1)?.toFixed(2)} ms`,
    );
  } finally {
    await consortium.stopAll();
  }
}

/**
 * BENCH_PIN=1: the scraped node gets CPU 1 to itself; the other nodes, this process (the load
 * and the scraper) and their threads share CPU 0. It stands for the deployment the product is
 * for, one node per operator's host, on a machine that must also run the rest of the consortium.
 */
const PIN_SCRAPED_NODE = process.env.BENCH_PIN === '1';

function pinScrapedNode(scraped: number, others: readonly number[]): void {
  const pin = (cpu: number, pid: number) => execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(pid)], { stdio: 'ignore' });
  pin(1, scraped);
  for (const pid of [...others, process.pid]) pin(0, pid);
}

/** The node's own event-loop delay percentiles over its last window, in ms: what a request waits before it runs. */
function eventLoopDelay(page: string): string {
  const gauges = parsePageSeries(page).filter((series) => series.sample === 'consortium_process_event_loop_delay_seconds');
  return gauges.map((gauge) => `${gauge.labels.percentile} ${(gauge.value * 1000).toFixed(1)} ms`).join(', ') || 'not reported';
}

/** The upper bound of the bucket holding the 99th percentile of the node's own /metrics request durations. */
function serverP99Bound(page: string): string {
  const buckets = parsePageSeries(page).filter((series) => series.sample === 'consortium_api_request_duration_seconds_bucket' && series.labels.route === '/metrics');
  const total = buckets.find((bucket) => bucket.labels.le === '+Inf')?.value ?? 0;
  const p99 = buckets.find((bucket) => bucket.value >= 0.99 * total);
  const shares = buckets.filter((bucket) => Number(bucket.labels.le) <= 1).map((bucket) => `<= ${Number(bucket.labels.le) * 1000} ms ${((bucket.value / total) * 100).toFixed(1)} %`);
  return p99 === undefined ? 'unknown' : `${p99.labels.le} s (of ${total} requests; ${shares.join(', ')})`;
}

async function throughput(instrumented: boolean, load: number, run: number): Promise<LoadResult> {
  const previous = process.env.CONSORTIUM_BENCH_UNINSTRUMENTED;
  // The node processes inherit the environment (apps/node main.ts reads it).
  if (instrumented) delete process.env.CONSORTIUM_BENCH_UNINSTRUMENTED;
  else process.env.CONSORTIUM_BENCH_UNINSTRUMENTED = '1';
  let consortium: Consortium | null = null;
  try {
    consortium = await Consortium.start(MEMBERS);
    await consortium.waitAllReady();
    return await offerLoad(consortium, load, DURATION_MS, `overhead-${run}`);
  } finally {
    await consortium?.stopAll();
    if (previous === undefined) delete process.env.CONSORTIUM_BENCH_UNINSTRUMENTED;
    else process.env.CONSORTIUM_BENCH_UNINSTRUMENTED = previous;
  }
}

/**
 * The same saturating workload on fresh devnets, alternately with the libraries' metrics and
 * tracers (as shipped) and without them (CONSORTIUM_BENCH_UNINSTRUMENTED=1: metrics objects
 * null, no tracer, no API metrics or spans), so drift of a busy machine hits both alike.
 */
export async function runInstrumentationOverheadBench(): Promise<void> {
  const load = Number(process.env.BENCH_LOAD ?? 4_000);
  const pairs = Number(process.env.BENCH_PAIRS ?? 2);
  const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let run = 0; run < pairs; run++) {
    for (const instrumented of run % 2 === 0 ? [true, false] : [false, true]) {
      const result = await throughput(instrumented, load, run);
      // Saturated on purpose: the queue is longer than the window, so the whole run's rate is the measure.
      rates[instrumented ? 'on' : 'off'].push(result.committedOverRunTxsPerSecond);
      console.log(
        `  run ${run} ${instrumented ? 'instrumented  ' : 'uninstrumented'}: ${result.committedOverRunTxsPerSecond} tx/s over the run (${result.committed}/${result.submitted}; steady window ${result.committedTxsPerSecond} tx/s), ` +
          `finality p50 ${result.finalityMs.p50.toFixed(0)} ms p99 ${result.finalityMs.p99.toFixed(0)} ms` +
          (Object.keys(result.rejected).length > 0 ? `, rejected ${JSON.stringify(result.rejected)}` : ''),
      );
    }
  }
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const [on, off] = [mean(rates.on), mean(rates.off)];
  console.log(`instrumentation-overhead: ${MEMBERS} node processes, offered ${load} tx/s, ${DURATION_MS / 1000} s per run`);
  console.log(`  instrumented ${on.toFixed(0)} tx/s, uninstrumented ${off.toFixed(0)} tx/s: overhead ${(((off - on) / off) * 100).toFixed(1)} %`);
}
