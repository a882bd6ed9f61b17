/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/// <reference lib="dom.iterable" />
// The dashboard (issue 9), as an operator runs it: `npm start` with N members (its traffic
// generator on), the dashboard it starts, and one headless Chromium tab watching it.
//   dashboard          event-to-browser latency p50/p95 (goal p95 <= 1 s), the dashboard
//                      server's CPU and memory, with 5 and 7 members
//   dashboard-history  the server's chart history after a day of data: heap and snapshot cost
// Environment: BENCH_DASHBOARD_MEMBERS (default "5,7"), BENCH_DURATION_MS (per phase, default
// 60,000), CONSORTIUM_CHROMIUM_PATH (default Debian's /usr/lib/chromium/chromium).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_RANGES, CHART_SPECS, ChartHistory, type ChartKey, type ChartRange } from '@consortium/dashboard';
import { createParser } from 'eventsource-parser';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { MemberEndpoints } from '../src/launcher/endpoints.js';
import { startLauncherProcess, waitForEndpoints } from '../src/devnet/launcher-process.js';
import { percentile } from './report.js';

const MEMBER_COUNTS = (process.env.BENCH_DASHBOARD_MEMBERS ?? '5,7').split(',').map(Number);
const PHASE_MS = Number(process.env.BENCH_DURATION_MS ?? 60_000);
const CHROMIUM_PATH = process.env.CONSORTIUM_CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const BAD_CREDENTIALS = 30;
const CLOCK_TICKS_PER_SECOND = 100;

/** Milliseconds of CPU (user + system) a process has used, from /proc/<pid>/stat. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (in parentheses, which may hold spaces): utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1000;
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** Samples a process's CPU share and resident memory every second until stopped. */
function sampleProcess(pid: number): { stop(): Promise<{ cpuRatio: number; rssMiB: { min: number; max: number; last: number } }> } {
  const rss: number[] = [];
  let running = true;
  const startedMs = performance.now();
  const startCpu = cpuMs(pid);
  const loop = (async () => {
    while (running) {
      rss.push(await residentBytes(pid));
      await new Promise((done) => setTimeout(done, 1_000));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const usedCpuMs = (await cpuMs(pid)) - (await startCpu);
      const mib = (bytes: number) => bytes / 2 ** 20;
      return { cpuRatio: usedCpuMs / (performance.now() - startedMs), rssMiB: { min: mib(Math.min(...rss)), max: mib(Math.max(...rss)), last: mib(rss.at(-1)!) } };
    },
  };
}

/**
 * Follows one node's GET /v1/events as the dashboard does and calls `onEvent` with each event's
 * arrival time: the reference the browser's time is measured from (both are the node's SSE clients).
 */
function followNodeEvents(member: MemberEndpoints, token: string, onEvent: (type: string, data: Record<string, unknown>, arrivedMs: number) => void): AbortController {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(`${member.apiUrl}/v1/events`, { signal: abort.signal, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    let arrivedMs = 0;
    const parser = createParser({ onEvent: (message) => onEvent(message.event ?? 'message', JSON.parse(message.data) as Record<string, unknown>, arrivedMs) });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      arrivedMs = Date.now();
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) console.error(`  events of ${member.id}: ${String(error)}`);
  });
  return abort;
}

/**
 * Records in the page, as the DOM changes, the first wall-clock time each member's health card
 * showed each height, and each change of the number of auth_failed rows per node in the
 * security view. A MutationObserver runs right after the render, before the paint. A string,
 * not a function: tsx's transform wraps a function's inner functions in a helper (`__name`)
 * that does not exist in the page.
 */
const DOM_OBSERVER_SCRIPT = `(() => {
  const seen = {};
  const authRows = [];
  const lastAuthCount = {};
  const record = () => {
    const now = Date.now();
    for (const card of document.querySelectorAll('[data-testid^="card-"]')) {
      const member = card.getAttribute('data-testid').slice('card-'.length);
      // The first key-value row is the height ("1,234").
      const height = Number((card.querySelector('dd')?.textContent ?? '').replace(/[^0-9]/g, ''));
      if (height > 0 && seen[member + '@' + height] === undefined) seen[member + '@' + height] = now;
    }
    const counts = {};
    for (const row of document.querySelectorAll('[data-testid="security-row"][data-kind="auth_failed"]')) {
      const node = row.getAttribute('data-node') ?? '';
      counts[node] = (counts[node] ?? 0) + 1;
    }
    for (const [node, count] of Object.entries(counts)) {
      if (count !== lastAuthCount[node]) authRows.push({ node, count, timeMs: now });
      lastAuthCount[node] = count;
    }
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  window.__bench = { seen, authRows };
})()`;

async function observeDom(page: Page): Promise<void> {
  await page.evaluate(DOM_OBSERVER_SCRIPT);
}

function summary(latenciesMs: readonly number[]): string {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return `${sorted.length} samples: p50 ${percentile(sorted, 50).toFixed(0)} ms  p95 ${percentile(sorted, 95).toFixed(0)} ms  max ${sorted.at(-1)?.toFixed(0)} ms`;
}

async function benchMembers(browser: Browser, members: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `bench-dashboard-${members}-`));
  const launcher = startLauncherProcess(['--members', String(members), '--dir', dir]);
  const followers: AbortController[] = [];
  try {
    // The launcher names the dashboard in endpoints.json once it serves.
    const endpoints = await waitForEndpoints(dir, launcher, 1_800_000, (written) => written.dashboard !== undefined);
    const dashboard = endpoints.dashboard!;
    const token = (await readFile(dashboard.tokenFile, 'utf8')).trim();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${dashboard.url}/#token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="stream-status"]')?.getAttribute('data-status') === 'live' && document.querySelector('[data-testid^="card-"]') !== null, undefined, { timeout: 60_000 });
    await observeDom(page);

    // Phase 1, health view: a block reaches each node's event stream; when does its card show it?
    const blockArrivals = new Map<string, number>();
    for (const member of endpoints.members) {
      const observer = (await readFile(member.tokens.observer, 'utf8')).trim();
      followers.push(
        followNodeEvents(member, observer, (type, data, arrivedMs) => {
          if (type === 'block' && typeof data['height'] === 'number') blockArrivals.set(`${member.id}@${data['height']}`, arrivedMs);
        }),
      );
    }
    const cpu = sampleProcess(dashboard.pid);
    const phaseStart = Date.now();
    await new Promise((done) => setTimeout(done, PHASE_MS));
    const usage = await cpu.stop();
    const { seen } = await page.evaluate(() => (window as unknown as { __bench: { seen: Record<string, number> } }).__bench);
    const blockLatencies: number[] = [];
    let missing = 0;
    for (const [key, arrivedMs] of blockArrivals) {
      // Blocks older than the last 2 s of the phase; a card may skip a height when two blocks arrive in one render.
      if (arrivedMs < phaseStart || arrivedMs > phaseStart + PHASE_MS - 2_000) continue;
      const shownMs = seen[key];
      if (shownMs === undefined) missing += 1;
      else blockLatencies.push(shownMs - arrivedMs);
    }

    // Phase 2, security view: a bad credential at a node; when does its row appear? (The node
    // tells observers only the count, which the dashboard reads at its next scrape.)
    await page.click('[data-testid="nav-security"]');
    await page.waitForSelector('[data-testid="view-security"]');
    const target = endpoints.members[0]!;
    const sentMs: number[] = [];
    for (let i = 0; i < BAD_CREDENTIALS; i++) {
      sentMs.push(Date.now());
      await fetch(`${target.apiUrl}/v1/status`, { headers: { authorization: `Bearer not-a-token-${i}` } }).then(async (response) => response.body?.cancel());
      await new Promise((done) => setTimeout(done, Math.max(1, (PHASE_MS / 2 / BAD_CREDENTIALS) | 0)));
    }
    await new Promise((done) => setTimeout(done, 3_000));
    const { authRows } = await page.evaluate(() => (window as unknown as { __bench: { authRows: { node: string; count: number; timeMs: number }[] } }).__bench);
    // Each row covers the failures since the previous scrape: a failure is shown with the first new row after it.
    const rowTimes = authRows.filter((row) => row.node === target.id).map((row) => row.timeMs);
    const authLatencies = sentMs.flatMap((sent) => {
      const shown = rowTimes.find((time) => time >= sent);
      return shown === undefined ? [] : [shown - sent];
    });

    console.log(`  ${members} members (npm start with traffic, one browser tab), ${PHASE_MS / 1000} s per phase:`);
    console.log(`    block event at a node -> its card's height in the page: ${summary(blockLatencies)}${missing > 0 ? ` (${missing} heights never shown: skipped within one render)` : ''}`);
    console.log(`    bad credential sent -> its auth_failed row in the page:  ${summary(authLatencies)} (${sentMs.length} sent)`);
    console.log(`    dashboard server: CPU ${(usage.cpuRatio * 100).toFixed(1)} % of one core; resident ${usage.rssMiB.min.toFixed(0)} to ${usage.rssMiB.max.toFixed(0)} MiB (last ${usage.rssMiB.last.toFixed(0)} MiB)`);
    await page.close();
  } finally {
    for (const follower of followers) follower.abort();
    launcher.child.kill('SIGINT');
    await launcher.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runDashboardBench(): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], headless: true });
  try {
    for (const members of MEMBER_COUNTS) await benchMembers(browser, members);
  } finally {
    await browser.close();
  }
}

/** The number of series a chart has with `members` members (two percentiles, four proof outcomes). */
function seriesOf(key: ChartKey, members: number): string[] {
  const names = Array.from({ length: members }, (_, i) => `member-${i}`);
  switch (CHART_SPECS[key].seriesBy) {
    case 'member':
    case 'validator':
      return names;
    case 'member_percentile':
      return names.flatMap((name) => [`${name} p50`, `${name} p95`]);
    case 'percentile':
      return ['p50', 'p95'];
    case 'outcome':
      return ['valid', 'invalid', 'failed', 'timeout'];
  }
}

/**
 * The chart history after hours of points at the dashboard's default 1 s interval, 7 members:
 * the heap it holds (after a forced GC; run with --expose-gc for exact figures) and what a
 * snapshot of every chart in every range costs (a browser connecting).
 */
export function runDashboardHistoryBench(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const members = 7;
  const keys = Object.keys(CHART_SPECS) as ChartKey[];
  const series = new Map(keys.map((key) => [key, seriesOf(key, members)]));
  const history = new ChartHistory(1_000);
  gc();
  const baseBytes = process.memoryUsage().heapUsed;
  let second = 0;
  for (const hours of [1, 6, 24, 48]) {
    const started = performance.now();
    const firstSecond = second;
    for (; second < hours * 3_600; second++) {
      for (const key of keys) {
        const names = series.get(key)!;
        history.push(key, 1_780_000_000 + second, { series: names, values: names.map((_, i) => (second % 97) + i) });
      }
    }
    const fillMs = performance.now() - started;
    gc();
    const heapMiB = (process.memoryUsage().heapUsed - baseBytes) / 2 ** 20;
    const snapshotStarted = performance.now();
    let points = 0;
    for (const key of keys) for (const range of Object.keys(CHART_RANGES) as ChartRange[]) points += history.data(key, range).times.length;
    console.log(
      `  after ${String(hours).padStart(2)} h (${keys.length} charts, ${[...series.values()].reduce((n, s) => n + s.length, 0)} series): heap ${heapMiB.toFixed(1)} MiB, ` +
        `${points.toLocaleString('en-US')} points in all rings; every chart in every range read in ${(performance.now() - snapshotStarted).toFixed(1)} ms; ` +
        `push ${((fillMs * 1000) / ((second - firstSecond) * keys.length)).toFixed(2)} µs per chart point`,
    );
  }
  return Promise.resolve();
}
