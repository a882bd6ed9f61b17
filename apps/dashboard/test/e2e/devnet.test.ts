import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { DashboardSnapshot, StreamMessage } from '../../src/protocol.js';
import { DashboardPage, launchChromium } from '../support/browser.js';
import { collectEventStream } from '../unit/server-fixtures.js';

/**
 * The dashboard process against a real four-member devnet: `consortium-setup devnet` writes it,
 * four `consortium-node` processes run it on loopback, and `consortium-dashboard --devnet` follows
 * the endpoints.json written here in `npm start`'s format. A real Prometheus (Debian
 * `prometheus`) scrapes the same nodes, and a second dashboard reads it (`--prometheus`). Headless
 * Chromium shows the dashboard the way an operator sees it: every view, a killed node's alert,
 * card and links, its recovery, and a burst of bad credentials. Every wait polls a condition with
 * a generous deadline (a busy 2-core machine), never a fixed sleep.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../../..');
const MEMBERS = 4;
const DEADLINE_MS = 180_000;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function run(script: string, args: readonly string[], logFile: string): ChildProcess {
  // The bins run their TypeScript sources themselves (registerHooks + tsx), as `npx consortium-dashboard` does.
  const child = spawn(process.execPath, [join(repositoryRoot, script), ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** What the last probe of a wait saw, for its timeout message. */
let seen = '';

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, deadlineMs = DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: string | null = null;
  seen = '';
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last === null ? '' : ` (last error: ${last})`}; last seen: ${seen}`);
}

describe(`consortium-dashboard over a ${MEMBERS}-member devnet`, () => {
  let dir: string;
  let memberIds: string[];
  const nodes = new Map<string, ChildProcess>();
  let dashboard: ChildProcess;
  let prometheus: ChildProcess;
  let promDashboard: ChildProcess;
  let url: string;
  let promUrl: string;
  let token: string;
  let output = '';
  let promOutput = '';
  let browser: Browser;
  let page: DashboardPage;
  const startNode = (member: string) => nodes.set(member, run('apps/node/bin/consortium-node.js', ['--config', join(dir, member, 'node.json')], join(dir, member, 'node.log')));
  const auth = () => ({ authorization: `Bearer ${token}` });
  const snapshot = async (from = url) => {
    const response = await fetch(`${from}/api/snapshot`, { headers: auth(), signal: AbortSignal.timeout(10_000) });
    const shown = response.status === 200 ? ((await response.json()) as DashboardSnapshot) : null;
    seen = shown === null ? `HTTP ${response.status}` : JSON.stringify(shown.cards.map((c) => [c.member, c.status, c.reason, c.height, c.peers]));
    return shown;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dashboard-e2e-'));
    const basePort = 31_000 + Math.floor(Math.random() * 2_000) * 2;
    const setup = run('apps/setup-cli/bin/consortium-setup.js', ['devnet', '--out', dir, '--members', String(MEMBERS), '--base-port', String(basePort), '--force'], join(dir, 'setup.log'));
    expect(await exited(setup)).toBe(0);
    const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as { chainId: string; members: { id: string; tadig: string; operator: string }[] };
    memberIds = genesis.members.map((m) => m.id);
    const members = [];
    for (const member of genesis.members) {
      const config = JSON.parse(await readFile(join(dir, member.id, 'node.json'), 'utf8')) as { http: { host: string; port: number } };
      const apiUrl = `http://${config.http.host}:${config.http.port}`;
      members.push({ id: member.id, tadig: member.tadig, operator: member.operator, apiUrl, metricsUrl: `${apiUrl}/metrics`, tokens: { observer: join(dir, member.id, 'tokens', 'observer.token') } });
      startNode(member.id);
    }
    // The dashboard starts first and waits for endpoints.json, as under `npm start`.
    dashboard = run('apps/dashboard/bin/consortium-dashboard.js', ['--devnet', dir, '--listen', '127.0.0.1:0', '--interval-ms', '500'], join(dir, 'dashboard.log'));
    dashboard.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await writeFile(join(dir, 'endpoints.json'), JSON.stringify({ format: 'consortium-devnet-endpoints/1', chainId: genesis.chainId, launcherPid: process.pid, startedAt: new Date().toISOString(), members }));
    const link = await waitFor('the dashboard prints its URL', () => /^dashboard: (\S+)$/m.exec(output)?.[1]);
    [url, token] = link.replace(/\/#token=/, '#').split('#') as [string, string];
    expect(token).toMatch(/^cdo_/);
    expect(await readFile(join(dir, 'dashboard', 'observer.token'), 'utf8')).toBe(`${token}\n`);

    // Prometheus scraping the same nodes (each target labelled with its member), and a dashboard reading it.
    const prometheusPort = basePort + 2_500;
    await writeFile(join(dir, 'prometheus-targets.json'), JSON.stringify(members.map((m) => ({ targets: [new URL(m.apiUrl).host], labels: { member: m.id } }))));
    await writeFile(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: consortium\n    file_sd_configs:\n      - files: ['${join(dir, 'prometheus-targets.json')}']\n        refresh_interval: 1s\n`);
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(prometheus);
    prometheus.stderr!.pipe(createWriteStream(join(dir, 'prometheus.log')));
    promDashboard = run('apps/dashboard/bin/consortium-dashboard.js', ['--devnet', dir, '--listen', '127.0.0.1:0', '--interval-ms', '1000', '--prometheus', `http://127.0.0.1:${prometheusPort}`], join(dir, 'dashboard-prometheus.log'));
    promDashboard.stdout!.on('data', (chunk: Buffer) => (promOutput += chunk.toString()));
    promUrl = (await waitFor('the Prometheus-mode dashboard prints its URL', () => /^dashboard: (\S+)$/m.exec(promOutput)?.[1])).replace(/\/#token=.*$/, '');
  });

  afterAll(async () => {
    await browser?.close();
    const all = [dashboard, promDashboard, prometheus, ...nodes.values()].filter((c) => c !== undefined);
    for (const child of all) child.kill('SIGTERM');
    await Promise.all(all.map(async (child) => exited(child)));
    await rm(dir, { recursive: true, force: true });
  });

  it('shows every member up with its height, peers and version', async () => {
    const shown = await waitFor('every card up with a height', async () => {
      const s = await snapshot();
      return s !== null && s.cards.every((c) => c.status === 'up' && (c.height ?? 0) > 0 && c.peers === MEMBERS - 1) ? s : null;
    });
    expect(shown.members.map((m) => m.id)).toEqual(memberIds);
    expect(shown.overall).toBe('healthy');
    for (const card of shown.cards) expect(card.version).not.toBeNull();
    expect(shown.topology.links.filter((l) => l.connected)).toHaveLength(MEMBERS * (MEMBERS - 1));
    expect(shown.charts.height.series).toEqual(memberIds);
  });

  it('streams a snapshot, then ticks and the committed blocks as they happen', async () => {
    const controller = new AbortController();
    const messages: StreamMessage[] = [];
    const response = await fetch(`${url}/api/stream`, { headers: { ...auth(), accept: 'text/event-stream' }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reading = collectEventStream(response.body as AsyncIterable<Uint8Array>, messages).catch(() => {});
    try {
      await waitFor('two ticks and a block from every member', () => messages.filter((m) => m.type === 'tick').length >= 2 && memberIds.every((id) => messages.some((m) => m.type === 'block' && m.member === id)));
      expect(messages[0]?.type).toBe('snapshot');
      const block = messages.find((m): m is Extract<StreamMessage, { type: 'block' }> => m.type === 'block')!;
      expect(block.height).toBeGreaterThan(0);
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('refuses a bad token with 401 and counts it in its own security metrics', async () => {
    const bad = await fetch(`${url}/api/snapshot`, { headers: { authorization: 'Bearer cdo_not-the-token' } });
    expect(bad.status).toBe(401);
    const page = await (await fetch(`${url}/metrics`)).text();
    expect(page).toMatch(/^consortium_security_auth_attempts_total\{outcome="bad_credentials"\} [1-9]/m);
  });

  it('shows the same consortium in Prometheus mode as in its default mode', async () => {
    const fromPrometheus = await waitFor('every card up with a height in Prometheus mode', async () => {
      const s = await snapshot(promUrl);
      return s !== null && s.cards.every((c) => c.status === 'up' && (c.height ?? 0) > 0 && c.peers === MEMBERS - 1) ? s : null;
    });
    const scraped = (await snapshot())!;
    expect(fromPrometheus.source).toMatchObject({ kind: 'prometheus' });
    expect(scraped.source.kind).toBe('scrape');
    const card = (c: DashboardSnapshot['cards'][number]) => ({ member: c.member, status: c.status, peers: c.peers, version: c.version });
    expect(fromPrometheus.cards.map(card)).toEqual(scraped.cards.map(card));
    for (const [i, c] of fromPrometheus.cards.entries()) expect(Math.abs(c.height! - scraped.cards[i]!.height!)).toBeLessThanOrEqual(2);
    expect(fromPrometheus.overall).toBe(scraped.overall);
    expect(fromPrometheus.topology.links.filter((l) => l.connected)).toHaveLength(MEMBERS * (MEMBERS - 1));
  });

  it('shows every view in Chromium with the running consortium', async () => {
    browser = await launchChromium();
    page = await DashboardPage.open(browser, url, { token });
    await page.waitLive();
    for (const member of memberIds) await page.waitForCard(member, 'up');
    expect(page.page.url()).not.toContain('token');
    await page.showView('consensus');
    await page.waitFor('the height chart to have points of every member', () => Number(document.querySelector('[data-testid="chart-height"]')?.getAttribute('data-points') ?? 0) > 2);
    await page.showView('topology');
    await page.waitForTopologyGraph();
    expect((await page.topologyEdges()).connected).toHaveLength(MEMBERS * (MEMBERS - 1));
    await page.showView('resources');
    await page.waitFor('the CPU chart to have points', () => Number(document.querySelector('[data-testid="chart-cpu"]')?.getAttribute('data-points') ?? 0) > 2);
    await page.showView('zkp');
    // This devnet pins no proving keys (no traffic here; npm start's e2e shows settlements and proofs).
    await page.waitFor('the prover queue chart to have points', () => Number(document.querySelector('[data-testid="chart-proverQueue"]')?.getAttribute('data-points') ?? 0) > 2);
    const shots = await page.screenshotEveryView('devnet');
    expect(shots).toHaveLength(8);
    expect(page.pageErrors).toEqual([]);
  });

  it('shows a burst of bad credentials as security events and fires the auth-failure alert', async () => {
    const target = memberIds[0]!;
    const apiUrl = (JSON.parse(await readFile(join(dir, target, 'node.json'), 'utf8')) as { http: { host: string; port: number } }).http;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => fetch(`http://${apiUrl.host}:${apiUrl.port}/v1/status`, { headers: { authorization: 'Bearer not-a-token' } }).then((r) => r.status)));
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    await page.showView('security');
    await page.waitFor('auth failures of the burst in the security list', (member) => Array.from(document.querySelectorAll('[data-testid="security-row"]')).some((row) => row.getAttribute('data-kind') === 'auth_failed' && row.getAttribute('data-node') === member), target, 30_000);
    await page.showView('alerts');
    await page.waitForAlert('AuthFailureSpike', 'firing', target, 30_000);
  });

  it('shows a killed node down with its links dropped, the others up', async () => {
    const victim = memberIds[MEMBERS - 1]!;
    nodes.get(victim)!.kill('SIGKILL');
    await exited(nodes.get(victim)!);
    const shown = await waitFor(`${victim}'s card down`, async () => {
      const s = await snapshot();
      return s?.cards.find((c) => c.member === victim)?.status === 'down' ? s : null;
    }, 30_000);
    expect(shown.cards.find((c) => c.member === victim)!.reason).toMatch(/^scrape failed/);
    expect(shown.topology.links.filter((l) => l.from === victim).every((l) => !l.connected)).toBe(true);
    expect(shown.cards.filter((c) => c.member !== victim).every((c) => c.status !== 'down')).toBe(true);
    // Three of four answer: more than two thirds, so the consortium is degraded, not down.
    expect(shown.overall).toBe('degraded');
    // Prometheus' next scrape of it fails: the Prometheus-mode dashboard shows it down too.
    const fromPrometheus = await waitFor(`${victim}'s card down in Prometheus mode`, async () => {
      const s = await snapshot(promUrl);
      return s?.cards.find((c) => c.member === victim)?.status === 'down' ? s : null;
    }, 30_000);
    expect(fromPrometheus.cards.find((c) => c.member === victim)!.reason).toBe('Prometheus reports it down (up == 0)');
    // In the browser: the node-down alert within 30 s of the kill, the card red, the links dropped.
    await page.showView('alerts');
    await page.waitForAlert('NodeDown', 'firing', victim, 30_000);
    await page.showView('health');
    await page.waitForCard(victim, 'down');
    await page.screenshot('devnet-node-down-health');
    await page.showView('topology');
    await page.waitForMemberLinks(victim, 'down');
  });

  it('shows the restarted node recover: card up, links back, the alert resolved', async () => {
    const victim = memberIds[MEMBERS - 1]!;
    startNode(victim);
    await page.showView('health');
    await page.waitForCard(victim, 'up', 120_000);
    await page.showView('topology');
    await page.waitForMemberLinks(victim, 'up', 60_000);
    await page.showView('alerts');
    await page.waitForAlert('NodeDown', 'resolved', victim, 60_000);
    expect(page.pageErrors).toEqual([]);
  });
});
