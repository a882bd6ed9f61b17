/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard `npm start` serves, in headless Chromium (playwright-core driving Debian's
 * chromium, as apps/dashboard's own browser tests do): open it with the printed token, switch
 * views, wait for a condition in the page with a deadline, save a screenshot of a view.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_PATH = process.env.CONSORTIUM_CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
/** Generous: the page shares 2 cores with a consortium that proves statements. */
const PAGE_WAIT_MS = 60_000;

export class DashboardTab {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  /** Opens `<url>/#token=<token>`, the link `npm start` prints, and waits until the stream is live. */
  static async open(url: string, token: string): Promise<DashboardTab> {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], headless: true, timeout: PAGE_WAIT_MS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(PAGE_WAIT_MS);
    const tab = new DashboardTab(browser, page);
    await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
    await tab.waitFor('the stream to be live', () => document.querySelector('[data-testid="stream-status"]')?.getAttribute('data-status') === 'live' && document.querySelector('main') !== null);
    return tab;
  }

  async showView(view: string): Promise<void> {
    await this.page.click(`[data-testid="nav-${view}"]`);
    await this.page.waitForSelector(`[data-testid="view-${view}"]`);
  }

  /** Waits until `predicate` (run in the page) holds; on timeout the error names `what` and shows the page's text. */
  async waitFor<A>(what: string, predicate: (arg: A) => boolean, arg?: A): Promise<void> {
    try {
      await this.page.waitForFunction(predicate as (value: unknown) => boolean, arg, { timeout: PAGE_WAIT_MS, polling: 500 });
    } catch (error) {
      const shown = await this.page.locator('main').innerText({ timeout: 1_000 }).catch(() => '(no main element)');
      throw new Error(`waited ${PAGE_WAIT_MS} ms in the dashboard for ${what}: ${(error as Error).message.split('\n')[0]}; the page showed: ${shown.slice(0, 600)}`, { cause: error });
    }
  }

  /** Rows of a table (`data-rows` of `data-testid`), 0 when it is absent or empty. */
  async rows(testid: string): Promise<number> {
    return Number((await this.page.locator(`[data-testid="${testid}"]`).first().getAttribute('data-rows')) ?? 0);
  }

  /** A full-page screenshot at `<results>/screenshots/<name>.png` (CONSORTIUM_TEST_RESULTS_DIR, else `.test-results`). */
  async screenshot(name: string): Promise<string> {
    const dir = join(process.env.CONSORTIUM_TEST_RESULTS_DIR ?? join(REPOSITORY_ROOT, '.test-results'), 'screenshots');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
