/**
 * A rendering test of the browser client in headless Chromium. It is NOT the devnet e2e:
 * no node and no real dashboard server run here. A small fixture server (test/support) serves the
 * real bundle and the protocol's routes with a fixture snapshot, and the test pushes stream
 * messages itself; it checks that every view renders that data and follows the live messages.
 * The devnet e2e drives the same harness (test/support/browser.ts) against the real server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartRange, DashboardSnapshot, ViewKey } from '../../src/protocol.js';
import { DashboardPage, launchChromium } from '../support/browser.js';
import { FixtureServer } from '../support/fixture-server.js';
import { FIXTURE_SKIP_REASON, FIXTURE_TRANSCRIPT_SHA256, makeAlert, makeSecurityEvent, makeSnapshot, makeTick, memberIds } from '../support/snapshot-fixture.js';

const TOKEN = 'observer-token-for-the-fixture';
const START_MS = Date.now();
let memberCount = 5;
let server: FixtureServer;
let browser: Browser;
let dashboard: DashboardPage;
let clockMs = START_MS;

/** The snapshot the fixture serves: at the current fixture clock, for the current member count. */
function currentSnapshot(range: ChartRange): DashboardSnapshot {
  return makeSnapshot(memberCount, clockMs, range);
}

/** The next tick, one second after the previous one. */
function nextTick(down: readonly string[] = []) {
  clockMs += 1_000;
  return makeTick(currentSnapshot('10m'), clockMs, down);
}

/**
 * Holds the page's animation frames and timers until its first `/api/snapshot` answer has been
 * handled, then runs the held timers and frames in one task. The store then changes before the
 * page's effects (which wait for a frame or a timer) have subscribed to it: the order a fast
 * server and a busy browser produce, where the sign-in form once never appeared on CI.
 * `__held` counts what was held.
 */
const HOLD_FRAMES_UNTIL_FIRST_ANSWER = `(() => {
  const frames = [];
  const timers = [];
  let holding = true;
  window.__held = 0;
  const realRequest = window.requestAnimationFrame.bind(window);
  const realCancel = window.cancelAnimationFrame.bind(window);
  const realSetTimeout = window.setTimeout.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const hold = (queue, callback) => {
    window.__held++;
    const entry = { id: -1_000_000 - window.__held, callback, cancelled: false };
    queue.push(entry);
    return entry.id;
  };
  const cancel = (id, realCancelOf) => {
    const entry = [...frames, ...timers].find((candidate) => candidate.id === id);
    if (entry) entry.cancelled = true;
    else realCancelOf(id);
  };
  window.requestAnimationFrame = (callback) => (holding ? hold(frames, callback) : realRequest(callback));
  window.cancelAnimationFrame = (id) => cancel(id, realCancel);
  window.setTimeout = (callback, delayMs, ...args) => (holding && typeof callback === 'function' ? hold(timers, () => callback(...args)) : realSetTimeout(callback, delayMs, ...args));
  window.clearTimeout = (id) => cancel(id, realClearTimeout);
  const realFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await realFetch(...args);
    if (holding && String(args[0]).startsWith('/api/snapshot')) {
      // A task later: the answer's handling (promise callbacks) has run by then.
      realSetTimeout(() => {
        holding = false;
        for (const entry of [...timers, ...frames]) if (!entry.cancelled) entry.callback(performance.now());
      }, 0);
    }
    return response;
  };
})();`;

beforeAll(async () => {
  server = await FixtureServer.start({ token: TOKEN, snapshot: currentSnapshot });
  browser = await launchChromium();
  dashboard = await DashboardPage.open(browser, server.url, { token: TOKEN });
  await dashboard.waitLive();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the dashboard client in Chromium (fixture server, not a devnet)', () => {
  it('signs in from the #token= fragment and removes it from the address', () => {
    expect(dashboard.page.url()).not.toContain('token');
    expect(server.connectedStreams).toBe(1);
  });

  const VIEW_CHECKS: Readonly<Record<ViewKey, string[]>> = {
    health: ['overall', `card-${memberIds(5)[0]}`, `card-${memberIds(5)[4]}`],
    consensus: ['chart-height', 'chart-blockInterval', 'chart-txThroughput', 'chart-roundsPerHeight', 'chart-missedVotes', 'missed-votes', 'equivocations'],
    topology: ['topology', 'links', 'refused-table'],
    settlements: ['periods', 'matrix', 'netting', 'pairs', 'anomalies', 'disputes'],
    zkp: ['chart-proveLatency', 'chart-verifyLatency', 'chart-proverQueue', 'chart-proofsRate', 'proofs-by-outcome', 'key-epochs', 'ceremony', 'ceremony-transcript', 'ceremony-lane-0'],
    security: ['chart-authFailures', 'chart-rateLimited', 'security-list'],
    alerts: ['alerts-active', 'alert-AuthFailureSpike', 'alert-history-SlowBlocks'],
    resources: ['resources-latest', 'chart-cpu', 'chart-memory', 'chart-heap', 'chart-eventLoop', 'chart-disk', 'chart-network'],
  };

  it.each(Object.entries(VIEW_CHECKS) as [ViewKey, string[]][])('the %s view renders the snapshot', async (view, testids) => {
    await dashboard.showView(view);
    for (const testid of testids) await dashboard.page.waitForSelector(`[data-testid="${testid}"]`);
    // Every chart of the view has drawn (uPlot renders into a canvas) with the snapshot's points.
    for (const chart of await dashboard.page.locator('[data-testid^="chart-"]').all()) {
      expect(Number(await chart.getAttribute('data-points'))).toBe(60);
      expect(await chart.locator('canvas').count()).toBe(1);
    }
    await dashboard.screenshot(`client-${view}`);
  });

  it('shows the data itself: card states, amounts by BigInt, the equivocation, the ceremony', async () => {
    await dashboard.showView('health');
    for (const member of memberIds(5)) expect(await dashboard.attribute(`card-${member}`, 'data-status')).toBe('up');
    await dashboard.showView('settlements');
    // 700000000000 micro-units of the fixture's T-Mobile-DE > Vodafone-UK cell.
    expect(await dashboard.page.locator('[data-cell="T-Mobile-DE>Vodafone-UK"]').innerText()).toBe('700,000.00');
    expect(await dashboard.page.locator('[data-testid="periods"] tbody tr').count()).toBe(2);
    await dashboard.showView('consensus');
    expect(await dashboard.page.locator('[data-testid="equivocations"] tbody tr').innerText()).toContain('two prevotes at height 41');
    await dashboard.showView('zkp');
    expect(await dashboard.page.locator('[data-testid="ceremony"]').innerText()).toContain(FIXTURE_TRANSCRIPT_SHA256);
  });

  it("the ZKP view reports the ceremony's transcript lane by lane, and says in words when the transcript is not the keys'", async () => {
    const members = memberIds(5);
    const { zkp } = currentSnapshot('10m');
    const ceremony = zkp.ceremony!;
    const transcript = ceremony.transcript as Extract<typeof ceremony.transcript, { status: 'verified' }>;
    await dashboard.showView('zkp');
    expect(await dashboard.attribute('ceremony-report', 'data-status')).toBe('verified');
    expect(await dashboard.page.locator('[data-testid="ceremony-plan"]').innerText()).toContain(`${members[0]} (coordinator), ${members[1]}`);
    expect(await dashboard.page.locator('[data-testid="ceremony-attestations"]').innerText()).toBe(`Attested by 5 of 5 members: ${members.join(', ')}.`);
    // Phase 1, then phase 2 of each circuit: the coordinator opens, each member in order, the beacon closes.
    const lanes = dashboard.page.locator('[data-testid^="ceremony-lane-"]');
    expect(await lanes.count()).toBe(3);
    const phase1Rows = dashboard.page.locator('[data-testid="ceremony-lane-0"] tbody tr');
    expect(await phase1Rows.evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-kind')} ${row.getAttribute('data-member')}`))).toEqual([
      `open ${members[0]}`,
      ...members.map((member) => `contribution ${member}`),
      `beacon ${members[0]}`,
    ]);
    // Hashes short on screen, in full on hover.
    const firstContribution = transcript.lanes[0]!.steps[1]!;
    const input = phase1Rows.nth(1).locator('code').first();
    expect(await input.innerText()).toBe(`${firstContribution.inputSha256!.slice(0, 12)}…`);
    expect(await input.getAttribute('title')).toBe(firstContribution.inputSha256);
    const skip = dashboard.page.locator('[data-testid="ceremony-lane-2"] tbody tr[data-kind="skip"]');
    expect(await skip.getAttribute('data-member')).toBe(members[4]);
    expect(await skip.innerText()).toContain(FIXTURE_SKIP_REASON);
    expect(await dashboard.page.locator('[data-testid="ceremony-warning"]').count()).toBe(0);

    // A transcript.json that is not the one the keys pin: a warning, no lanes.
    const otherSha256 = 'cd'.repeat(32);
    server.push({ type: 'zkp', zkp: { ...zkp, ceremony: { ...ceremony, contributors: [], transcript: { status: 'mismatch', sha256: otherSha256, pinnedSha256: FIXTURE_TRANSCRIPT_SHA256 } } } });
    await dashboard.waitForAttribute('ceremony-report', 'data-status', 'mismatch');
    expect(await dashboard.page.locator('[data-testid="ceremony-warning"]').innerText()).toBe(
      `The transcript found (sha256 ${otherSha256.slice(0, 12)}…) is not the one the keys' genesis fragment pins (${FIXTURE_TRANSCRIPT_SHA256.slice(0, 12)}…): it is not shown as this ceremony's.`,
    );
    expect(await lanes.count()).toBe(0);
    await dashboard.screenshot('client-zkp-transcript-mismatch');

    // A demo's keys: the single INSECURE party, and no transcript section at all.
    server.push({ type: 'zkp', zkp: { ...zkp, ceremony: { kind: 'demo', contributors: ['single-party demo (INSECURE)'], circuits: ceremony.circuits, transcriptSha256: null, finishedAt: ceremony.finishedAt, transcript: null } } });
    await dashboard.page.waitForSelector('[data-testid="ceremony-transcript"]', { state: 'detached' });
    expect(await dashboard.page.locator('[data-testid="ceremony"]').innerText()).toContain('single-party demo (INSECURE)');

    server.push({ type: 'zkp', zkp });
    await dashboard.waitForAttribute('ceremony-report', 'data-status', 'verified');
  });

  it('a tick moves the charts', async () => {
    await dashboard.showView('resources');
    const before = Number(await dashboard.attribute('chart-cpu', 'data-last-time'));
    const tick = nextTick();
    server.push(tick);
    const expected = String(tick.points.cpu!.time);
    expect(Number(expected)).toBeGreaterThan(before);
    await dashboard.waitForAttribute('chart-cpu', 'data-last-time', expected);
    await dashboard.waitForAttribute('chart-memory', 'data-last-time', expected);
  });

  it('a firing alert shows a toast wherever the user is, and enters the alerts view', async () => {
    await dashboard.showView('resources');
    const member = memberIds(5)[2]!;
    server.push({ type: 'alert', alert: makeAlert('NodeDown', 'firing', clockMs, { member }) });
    await dashboard.page.waitForSelector('[data-testid="toast-NodeDown"]');
    expect(await dashboard.page.locator('[data-testid="toast-NodeDown"]').innerText()).toContain(member);
    await dashboard.screenshot('client-toast');
    await dashboard.showView('alerts');
    await dashboard.waitForAlert('NodeDown', 'firing', member);
    expect(await dashboard.page.locator('[data-testid="alert-NodeDown"] a[data-testid="runbook"]').getAttribute('href')).toBe('docs/operations.md#node-down');

    server.push({ type: 'alert', alert: { ...makeAlert('NodeDown', 'resolved', clockMs, { member }) } });
    await dashboard.waitForAlert('NodeDown', 'resolved', member);
    expect(await dashboard.page.locator('[data-testid="alert-NodeDown"]').count()).toBe(0);
  });

  it('a security event joins the live list, and the filters narrow it by kind, node and text', async () => {
    await dashboard.showView('security');
    const rows = dashboard.page.locator('[data-testid="security-row"]');
    expect(await rows.count()).toBe(2);
    const node = memberIds(5)[3]!;
    server.push({ type: 'security', event: makeSecurityEvent(node, 'rate_limited', clockMs, '10.9.8.7') });
    await dashboard.waitForAttribute('security-count', 'data-shown', '3');
    expect(await rows.first().getAttribute('data-node')).toBe(node);

    await dashboard.page.selectOption('[data-testid="security-filter-kind"]', 'refused_peer');
    await dashboard.waitForAttribute('security-count', 'data-shown', '1');
    expect(await rows.first().getAttribute('data-kind')).toBe('refused_peer');
    await dashboard.page.selectOption('[data-testid="security-filter-kind"]', '');

    await dashboard.page.selectOption('[data-testid="security-filter-node"]', node);
    await dashboard.waitForAttribute('security-count', 'data-shown', '1');
    await dashboard.page.selectOption('[data-testid="security-filter-node"]', '');

    await dashboard.page.fill('[data-testid="security-filter-text"]', '10.9.8');
    await dashboard.waitForAttribute('security-count', 'data-shown', '1');
    await dashboard.page.fill('[data-testid="security-filter-text"]', 'nothing matches this');
    await dashboard.waitForAttribute('security-count', 'data-shown', '0');
    await dashboard.page.fill('[data-testid="security-filter-text"]', '');
    await dashboard.waitForAttribute('security-count', 'data-shown', '3');
  });

  // T56 in docs/security.md: a node reports text others chose (a client id, a refused peer's
  // claim, a request path); the client builds the DOM with text nodes (Preact, no innerHTML).
  it('shows markup in a security event as text: no element is made and its handlers never run', async () => {
    await dashboard.showView('security');
    const what = '<img src=x onerror="window.__markupRan = (window.__markupRan ?? 0) + 1">';
    const who = '<svg onload="window.__markupRan = (window.__markupRan ?? 0) + 1"></svg>';
    server.push({ type: 'security', event: { ...makeSecurityEvent(memberIds(5)[1]!, 'auth_failed', clockMs), who, what } });
    await dashboard.page.fill('[data-testid="security-filter-text"]', 'onerror');
    await dashboard.waitForAttribute('security-count', 'data-shown', '1');
    const cells = dashboard.page.locator('[data-testid="security-row"]').first().locator('td');
    expect(await cells.nth(3).innerText()).toBe(who);
    expect(await cells.nth(5).innerText()).toBe(what);
    expect(await dashboard.page.locator('[data-testid="security-list"] :is(img, svg)').count()).toBe(0);
    // An image that fails to load gets its error event in a later task: by the time the test's
    // own broken image (a data URL, so no 404 in the console) has, none of the markup's ran.
    await dashboard.page.evaluate(() => new Promise((resolve) => Object.assign(document.createElement('img'), { onerror: resolve, src: 'data:image/png;base64,AA==' })));
    expect(await dashboard.page.evaluate(() => (window as { __markupRan?: number }).__markupRan)).toBeUndefined();
    await dashboard.page.fill('[data-testid="security-filter-text"]', '');
    await dashboard.waitForAttribute('security-count', 'data-shown', '4');
  });

  it('a node going down dashes its topology links in place and turns its card red; coming back restores them', async () => {
    await dashboard.showView('topology');
    const members = memberIds(5);
    const downMember = members[1]!;
    const everyLink = members.length * (members.length - 1);
    await dashboard.waitForTopologyGraph();
    await dashboard.waitFor('the graph with every link up', (count) => (document.querySelector('[data-testid="topology"]')?.getAttribute('data-edges') ?? '').split(' ').length === count, everyLink);
    const positionBefore = await dashboard.page.evaluate((id) => window.__dashboard!.topology.cy!.getElementById(id).position(), members[0]!);

    server.push(nextTick([downMember]));
    await dashboard.waitForMemberLinks(downMember, 'down');
    const linksOfDown = 2 * (members.length - 1);
    await dashboard.waitFor('the down member\'s links dashed', (count) => window.__dashboard?.topology.cy?.edges('.down').length === count, linksOfDown);
    const edges = await dashboard.topologyEdges();
    expect(edges.down).toHaveLength(linksOfDown);
    expect(edges.down.every((edge) => edge.split('->').includes(downMember))).toBe(true);
    expect(edges.cyDown.sort()).toEqual([...edges.down].sort());
    expect(edges.connected).toHaveLength(everyLink - linksOfDown);
    // Updated in place: the layout did not run again.
    expect(await dashboard.page.evaluate((id) => window.__dashboard!.topology.cy!.getElementById(id).position(), members[0]!)).toEqual(positionBefore);
    await dashboard.screenshot('client-topology-link-down');

    await dashboard.showView('health');
    await dashboard.waitForCard(downMember, 'down');
    await dashboard.waitForAttribute('overall', 'data-status', 'degraded');

    server.push(nextTick());
    await dashboard.waitForCard(downMember, 'up');
    await dashboard.showView('topology');
    await dashboard.waitForMemberLinks(downMember, 'up');
    await dashboard.waitFor('every link up again', () => window.__dashboard?.topology.cy?.edges('.down').length === 0);
  });

  it('a snapshot of seven members re-draws every view for seven', async () => {
    memberCount = 7;
    server.push({ type: 'snapshot', snapshot: currentSnapshot('10m') });
    await dashboard.showView('health');
    await dashboard.page.waitForSelector(`[data-testid="card-${memberIds(7)[6]}"]`);
    expect(await dashboard.page.locator('[data-testid^="card-"]').count()).toBe(7);
    await dashboard.showView('topology');
    await dashboard.waitFor('42 links in the graph', () => window.__dashboard?.topology.cy?.edges('.link').length === 42);
    await dashboard.showView('resources');
    expect(await dashboard.page.locator('[data-testid="resources-latest"] tbody tr').count()).toBe(7);
    await dashboard.screenshot('client-resources-7-members');
  });

  it('a malformed stream message is counted and shown, not applied', async () => {
    const ticksBefore = await dashboard.attribute('footer', 'data-ticks');
    server.pushRaw('tick', '{not json');
    await dashboard.waitForAttribute('footer', 'data-bad-messages', '1');
    expect(await dashboard.page.locator('[data-testid="problem"]').innerText()).toContain('bad tick message: not JSON');
    expect(await dashboard.attribute('footer', 'data-ticks')).toBe(ticksBefore);
  });

  it('a longer range is read from /api/snapshot?range=', async () => {
    await dashboard.page.click('[data-testid="range-6h"]');
    await dashboard.waitForAttribute('view-resources', 'data-range', '6h');
    expect(server.snapshotRequests).toContain('6h');
    await dashboard.page.click('[data-testid="range-10m"]');
    await dashboard.waitForAttribute('view-resources', 'data-range', '10m');
  });

  it('without a session it asks for a token, refuses a wrong one, and signs in with the right one', async () => {
    const fresh = await DashboardPage.open(browser, server.url);
    try {
      await fresh.page.waitForSelector('[data-testid="login-form"]');
      await fresh.page.fill('[data-testid="login-token"]', 'wrong-token');
      await fresh.page.click('[data-testid="login-submit"]');
      await fresh.page.waitForSelector('[data-testid="login-error"]');
      await fresh.page.fill('[data-testid="login-token"]', TOKEN);
      await fresh.page.click('[data-testid="login-submit"]');
      await fresh.waitLive();
      await fresh.page.waitForSelector('[data-testid="overall"]');
      expect(fresh.pageErrors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('shows the form when the first answer (a 401) arrives before the page has drawn its first frame', async () => {
    // The page re-renders on animation frames; held here until the first snapshot answer has
    // been handled, so the store changes before the page has subscribed to it (a fast server
    // and a busy browser, as on CI, where the form once never appeared).
    const page = await DashboardPage.open(browser, server.url, { initScript: HOLD_FRAMES_UNTIL_FIRST_ANSWER });
    try {
      await page.page.waitForSelector('[data-testid="login-form"]');
      expect(await page.page.evaluate(() => (window as unknown as { __held: number }).__held)).toBeGreaterThan(0);
      expect(page.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a refused token in the link falls back to the session the browser has, else to the form saying why', async () => {
    const page = await DashboardPage.open(browser, server.url, { token: 'an-old-token' });
    try {
      await page.page.waitForSelector('[data-testid="login-error"]');
      expect(await page.page.locator('[data-testid="login-error"]').innerText()).toContain('the token in the link was not accepted');
      expect(page.page.url()).not.toContain('an-old-token');
      // Same browser context, now with a session: an old link still opens the dashboard.
      await page.page.fill('[data-testid="login-token"]', TOKEN);
      await page.page.click('[data-testid="login-submit"]');
      await page.waitLive();
      // A query makes it a new document (a fragment alone would not reload the page).
      await page.page.goto(`${server.url}/?reload#token=an-old-token`);
      await page.waitLive();
      await page.page.waitForSelector('[data-testid="overall"]');
      expect(page.page.url()).toBe(`${server.url}/?reload`);
    } finally {
      await page.close();
    }
  });

  it("before the server's first collection round (503) the page retries, then goes live", async () => {
    const early = await FixtureServer.start({ token: TOKEN, snapshot: currentSnapshot, notReadyAnswers: 1 });
    const page = await DashboardPage.open(browser, early.url, { token: TOKEN });
    try {
      await page.waitLive();
      await page.page.waitForSelector('[data-testid="overall"]');
      expect(early.snapshotRequests.length).toBeGreaterThanOrEqual(2);
      expect(page.pageErrors).toEqual([]);
    } finally {
      await page.close();
      await early.stop();
    }
  });

  it('threw no error in the page and logged none', () => {
    expect(dashboard.pageErrors).toEqual([]);
    expect(dashboard.consoleErrors).toEqual([]);
  });
});
