/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * Headless Chromium for the dashboard's browser tests: playwright-core drives Debian's chromium
 * (no browser download). Helpers open the dashboard with a token, switch views, wait for a
 * condition in the page with a deadline (never a fixed sleep), and save a screenshot per view.
 * Used by the client's component test here and by the devnet e2e against the real server.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ViewKey } from '../../src/protocol.js';

/** Debian's binary itself (the /usr/bin/chromium wrapper script adds flags and a slower start). */
export const CHROMIUM_PATH = process.env.CONSORTIUM_CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/** Flags measured on this machine (STACK.md): no sandbox (root in CI), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
] as const;

/**
 * Waits in the page, on a machine that may be busy: generous, and every wait says what it waited
 * for. (A fresh page that never showed its login form at load 15-20 was not slowness: the page
 * missed a store change made before it subscribed; see useStore in src/client/ui/app.ts.)
 */
export const BROWSER_WAIT_MS = 60_000;

export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
  constructor(path: string) {
    super(`no Chromium at ${path}: install Debian's chromium (tools/scripts/system-packages.sh) or set CONSORTIUM_CHROMIUM_PATH`);
  }
}

/** A wait in the page ran out: names the condition and what the page showed last. */
export class BrowserWaitError extends Error {
  override readonly name = 'BrowserWaitError';
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError(CHROMIUM_PATH);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true, timeout: BROWSER_WAIT_MS });
}

/** `<results>/screenshots`: CONSORTIUM_TEST_RESULTS_DIR when set (test:all, CI), else `.test-results` at the repository root. */
export function screenshotsDir(): string {
  const results = process.env.CONSORTIUM_TEST_RESULTS_DIR ?? resolve(import.meta.dirname, '..', '..', '..', '..', '.test-results');
  const dir = join(results, 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface OpenOptions {
  /** Observer token, passed as the `#token=` fragment like the URL `npm start` prints. */
  readonly token?: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Runs in the page before its own scripts (Playwright's addInitScript). */
  readonly initScript?: string;
}

/** One dashboard tab. Uncaught page errors and console errors are collected: a test can assert the page threw nothing. */
export class DashboardPage {
  readonly pageErrors: string[] = [];
  /** Includes the browser's own lines, such as a 401 it logs for a request the page expected to fail. */
  readonly consoleErrors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
  }

  static async open(browser: Browser, baseUrl: string, options: OpenOptions = {}): Promise<DashboardPage> {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 1000 } });
    page.setDefaultTimeout(BROWSER_WAIT_MS);
    const dashboard = new DashboardPage(page, baseUrl);
    if (options.initScript !== undefined) await page.addInitScript(options.initScript);
    const fragment = options.token === undefined ? '' : `#token=${encodeURIComponent(options.token)}`;
    await page.goto(`${baseUrl}/${fragment}`);
    return dashboard;
  }

  /** Waits until the first snapshot is shown and the stream is live. */
  async waitLive(): Promise<void> {
    await this.waitFor('the stream to be live with data', () => {
      const status = document.querySelector('[data-testid="stream-status"]')?.getAttribute('data-status');
      return status === 'live' && document.querySelector('[data-testid="waiting"]') === null && document.querySelector('main') !== null;
    });
  }

  /** Clicks the view's navigation link and waits for the view to render. */
  async showView(view: ViewKey): Promise<void> {
    await this.page.click(`[data-testid="nav-${view}"]`);
    await this.page.waitForSelector(`[data-testid="view-${view}"]`);
  }

  /**
   * Waits until `predicate` (run in the page) is true, polling on animation frames; on timeout
   * throws a BrowserWaitError naming `what`. The predicate takes one serialisable argument.
   */
  async waitFor<A>(what: string, predicate: (arg: A) => boolean, arg?: A, timeoutMs = BROWSER_WAIT_MS): Promise<void> {
    try {
      await this.page.waitForFunction(predicate as (value: unknown) => boolean, arg, { timeout: timeoutMs, polling: 'raf' });
    } catch (error) {
      const shown = await this.page
        .locator('main')
        .innerText({ timeout: 1_000 })
        .catch(() => '(no main element)');
      throw new BrowserWaitError(`waited ${timeoutMs} ms for ${what}: ${(error as Error).message.split('\n')[0]}; the page showed: ${shown.slice(0, 500)}`);
    }
  }

  /** Waits for an element with `data-testid` to carry an attribute value. */
  async waitForAttribute(testid: string, attribute: string, value: string, timeoutMs = BROWSER_WAIT_MS): Promise<void> {
    await this.waitFor(
      `[data-testid="${testid}"] to have ${attribute}="${value}"`,
      ({ testid: id, attribute: name, value: expected }) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(name) === expected,
      { testid, attribute, value },
      timeoutMs,
    );
  }

  /** Waits for a member's health card to show a status (the health view must be shown). */
  async waitForCard(member: string, status: 'up' | 'degraded' | 'down', timeoutMs = BROWSER_WAIT_MS): Promise<void> {
    await this.waitForAttribute(`card-${member}`, 'data-status', status, timeoutMs);
  }

  /**
   * Waits for an alert of `rule` in a state (the alerts view must be shown), for one member's
   * label when given: several alerts of one rule share the test id `alert-<rule>`.
   */
  async waitForAlert(rule: string, state: 'pending' | 'firing' | 'resolved', member?: string, timeoutMs = BROWSER_WAIT_MS): Promise<void> {
    const testid = state === 'resolved' ? `alert-history-${rule}` : `alert-${rule}`;
    await this.waitFor(
      `alert ${rule} ${state}${member === undefined ? '' : ` for ${member}`}`,
      ({ testid: id, state: wanted, member: who }) =>
        Array.from(document.querySelectorAll(`[data-testid="${id}"]`)).some((element) => element.getAttribute('data-state') === wanted && (who === '' || element.getAttribute('data-member') === who)),
      { testid, state, member: member ?? '' },
      timeoutMs,
    );
  }

  /** Waits until every topology edge from or to `member` is down (or, with `up`, none is); the topology view must be shown. */
  async waitForMemberLinks(member: string, state: 'down' | 'up', timeoutMs = BROWSER_WAIT_MS): Promise<void> {
    await this.waitFor(
      `every link of ${member} ${state}`,
      ({ member: who, state: wanted }) => {
        const element = document.querySelector('[data-testid="topology"]');
        const touches = (edge: string) => edge.split('->').includes(who);
        const connected = (element?.getAttribute('data-edges') ?? '').split(' ').filter(touches);
        const down = (element?.getAttribute('data-down-edges') ?? '').split(' ').filter(touches);
        return wanted === 'down' ? connected.length === 0 && down.length > 0 : down.length === 0 && connected.length > 0;
      },
      { member, state },
      timeoutMs,
    );
  }

  /** Shows every view in turn and saves `<prefix>-<view>.png` of each; returns the paths. */
  async screenshotEveryView(prefix: string, views: readonly ViewKey[] = ['health', 'consensus', 'topology', 'settlements', 'zkp', 'security', 'alerts', 'resources']): Promise<string[]> {
    const paths: string[] = [];
    for (const view of views) {
      await this.showView(view);
      paths.push(await this.screenshot(`${prefix}-${view}`));
    }
    return paths;
  }

  async attribute(testid: string, attribute: string): Promise<string | null> {
    return this.page.locator(`[data-testid="${testid}"]`).first().getAttribute(attribute);
  }

  /** Waits until the topology view's cytoscape graph exists and has its edges (it is made after the view renders). */
  async waitForTopologyGraph(): Promise<void> {
    await this.waitFor('the topology graph', () => (window.__dashboard?.topology.cy?.edges().length ?? 0) > 0);
  }

  /** Connected and down topology edges as `from->to`, as the graph shows them (topology view only). */
  async topologyEdges(): Promise<{ connected: string[]; down: string[]; cyDown: string[] }> {
    return this.page.evaluate(() => {
      const element = document.querySelector('[data-testid="topology"]');
      const split = (text: string | null | undefined) => (text ? text.split(' ').filter((part) => part !== '') : []);
      const cy = window.__dashboard?.topology.cy;
      const cyDown = cy ? cy.edges('.down').map((edge) => edge.id()) : [];
      return { connected: split(element?.getAttribute('data-edges')), down: split(element?.getAttribute('data-down-edges')), cyDown };
    });
  }

  /** A full-page screenshot at `<screenshots>/<name>.png`; returns its path. */
  async screenshot(name: string): Promise<string> {
    const path = join(screenshotsDir(), `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
