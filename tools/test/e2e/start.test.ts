import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { waitFor, WAIT_DEADLINES_MS } from '../../src/devnet/wait.js';
import { startLauncherProcess, waitForEndpoints, type LauncherProcess } from '../../src/devnet/launcher-process.js';
import { ENDPOINTS_FILE, type DevnetEndpoints } from '../../src/launcher/endpoints.js';
import { ensureDemoKeys } from '../../src/launcher/keys.js';
import { LOCK_FILE, processAlive } from '../../src/launcher/lock.js';
import { PROMETHEUS_TARGETS_FILE, prometheusTargetsOf } from '../../src/launcher/prometheus-targets.js';
import { lineProgress } from '../../src/launcher/progress.js';
import { nettingBalances, SettlementApiClient, type NettingJson } from '../../src/traffic/client.js';
import { TrafficProcess } from '../../src/traffic/process.js';
import { committedHeight } from '../support/committed-height.js';
import { DashboardTab } from '../support/dashboard-browser.js';

/**
 * `npm start` as a user runs it: the real launcher process (tools/src/start.ts, which `npm start`
 * runs), four real node processes on loopback with real LevelDB, and its traffic generator, which
 * settles whole periods through the nodes' APIs with real proofs; stopped by SIGINT as Ctrl-C
 * does, while the generator works on its second period. Then a second run on the same folder
 * (`--no-traffic`): the chain goes on; the generator process by itself goes on with what the
 * interrupted run left, then settles an earlier period with every other statement disputed, so
 * the resolution path runs too; and a node killed -9 ends the run with its log while the launcher
 * stops the others. Each period: every batch settled, the period closed, the netting the same on
 * every node and equal to a sum over the statements each member's node shows its operator. Each
 * stop: no process and no LevelDB lock is left behind.
 *
 * The demo keys are the small test circuit's (settlement-4: batches of four records), made once
 * by the launcher's own keys step into build/ and reused by later runs of this test, as
 * `.devnet/keys` is by later `npm start`s. A period is one batch per direction: 12 statements.
 */

const MEMBERS = 4;
const BATCH_RECORDS = 4;
const RECORDS = 4;
const keysDir = join(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
/** A period of the dispute run: fixed, so its batch ids, and so its disputes, are too. */
const DISPUTE_PERIOD = '2025-01';
/** A launcher that was told to stop stops its nodes (SIGTERM, SIGKILL after 30 s) and exits. */
const LAUNCHER_STOP_MS = WAIT_DEADLINES_MS.stop + 60_000;
/** One period of 12 small proofs on a loaded 2-core machine, with room. */
const PERIOD_MS = 900_000;

interface LogLine {
  readonly step?: string;
  readonly period?: string;
  /** The plan line: the periods the run settles. */
  readonly periods?: readonly string[];
  readonly [key: string]: unknown;
}

async function logLines(file: string): Promise<LogLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function operatorClient(member: DevnetEndpoints['members'][number]): Promise<SettlementApiClient> {
  return new SettlementApiClient({ apiUrl: member.apiUrl, token: (await readFile(member.tokens.operator, 'utf8')).trim() });
}

/**
 * The period's netting on every node: identical, balances summing to zero, the payments moving
 * exactly the balances, and the balances equal to a sum over the settled statements each
 * creditor's node shows its operator (accepted: the proven total; resolved: the agreed total).
 */
async function expectNettingOnEveryNode(endpoints: DevnetEndpoints, period: string): Promise<{ readonly statements: number; readonly resolved: number }> {
  const clients = await Promise.all(endpoints.members.map(operatorClient));
  const nettings: NettingJson[] = [];
  for (const client of clients) {
    let netting: NettingJson | null = null;
    await waitFor(`the netting of ${period}`, async () => (netting = await client.netting(period)) !== null);
    nettings.push(netting!);
  }
  const balances = nettings.map(nettingBalances);
  for (const other of balances.slice(1)) expect(other).toEqual(balances[0]);
  for (const netting of nettings.slice(1)) expect(netting.payments).toEqual(nettings[0]!.payments);

  const expected = new Map(endpoints.members.map((member) => [member.id, 0n]));
  let statements = 0;
  let resolved = 0;
  for (const [i, member] of endpoints.members.entries()) {
    const own = (await clients[i]!.statements({ creditor: member.id, period, limit: 1000 })) as unknown as {
      state: string;
      debtor: string;
      publicInputs: { total: string } | null;
      resolution: { agreedTotal: string | null } | null;
    }[];
    for (const statement of own) {
      if (statement.state === 'superseded') continue;
      expect(['accepted', 'resolved']).toContain(statement.state);
      const amount = BigInt(statement.state === 'resolved' ? statement.resolution!.agreedTotal! : statement.publicInputs!.total);
      expected.set(member.id, expected.get(member.id)! + amount);
      expected.set(statement.debtor, expected.get(statement.debtor)! - amount);
      statements += 1;
      if (statement.state === 'resolved') resolved += 1;
    }
  }
  expect(statements).toBe(MEMBERS * (MEMBERS - 1) * (RECORDS / BATCH_RECORDS));
  expect(balances[0]).toEqual(expected);
  expect([...expected.values()].reduce((sum, balance) => sum + balance, 0n)).toBe(0n);
  const moved = new Map(endpoints.members.map((member) => [member.id, 0n]));
  for (const payment of nettings[0]!.payments) {
    expect(BigInt(payment.amount)).toBeGreaterThan(0n);
    moved.set(payment.to, moved.get(payment.to)! + BigInt(payment.amount));
    moved.set(payment.from, moved.get(payment.from)! - BigInt(payment.amount));
  }
  expect(moved).toEqual(expected);
  return { statements, resolved };
}

/**
 * The settled period as an operator sees it in Chromium: the settlements view with the closed
 * period, a filled matrix cell for every direction and the netting's payments; the ZKP view with
 * the proofs made and verified, the prove latency over time, the key epoch and the demo ceremony.
 * A screenshot of each view.
 */
async function expectSettlementsInBrowser(url: string, token: string, period: string, directions: number): Promise<void> {
  const tab = await DashboardTab.open(url, token);
  try {
    await tab.showView('settlements');
    await tab.waitFor(`period ${period} closed, with a matrix of ${directions} amounts`, ({ period: wanted, directions: cells }) => {
      const closed = [...document.querySelectorAll<HTMLTableRowElement>('[data-testid="periods"] tbody tr')].some((row) => row.cells[0]?.textContent === wanted && row.cells[1]?.textContent === 'closed');
      const filled = [...document.querySelectorAll('[data-testid="matrix"] td[data-cell]')].filter((cell) => (cell.textContent ?? '').trim() !== '').length;
      return closed && filled === cells;
    }, { period, directions });
    expect(await tab.rows('netting')).toBeGreaterThan(0);
    expect(await tab.rows('pairs')).toBe(directions);
    await tab.screenshot('npm-start-settlements');

    await tab.showView('zkp');
    await tab.waitFor('proofs made and verified, and the prove latency charted', () => {
      const rows = (testid: string) => Number(document.querySelector(`[data-testid="${testid}"]`)?.getAttribute('data-rows') ?? 0);
      const points = Number(document.querySelector('[data-testid="chart-proveLatency"]')?.getAttribute('data-points') ?? 0);
      return rows('proofs-by-outcome') > 0 && rows('verifications-by-outcome') > 0 && rows('key-epochs') > 0 && points > 0;
    });
    const ceremony = await tab.page.locator('[data-testid="ceremony"]').innerText();
    expect(ceremony).toContain('demo');
    expect(ceremony).toContain('settlement-4');
    await tab.screenshot('npm-start-zkp');
  } finally {
    await tab.close();
  }
}

/** Every LevelDB under the members' data folders (a folder holding a LOCK file). */
async function levelDbs(endpoints: DevnetEndpoints): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((entry) => entry.isFile() && entry.name === 'LOCK')) found.push(dir);
    for (const entry of entries) if (entry.isDirectory()) await visit(join(dir, entry.name));
  };
  for (const member of endpoints.members) await visit(member.dataDir);
  return found;
}

/** What a stopped consortium must leave: no node process, every LevelDB openable, no endpoints.json, no Prometheus target, no lock. */
async function expectNothingLeft(dir: string, endpoints: DevnetEndpoints): Promise<void> {
  await waitFor('every node process gone', () => ({ done: endpoints.members.every((member) => !processAlive(member.pid)), seen: endpoints.members.filter((member) => processAlive(member.pid)).map((member) => `${member.id} ${member.pid}`).join(', ') }), LAUNCHER_STOP_MS);
  const dbs = await levelDbs(endpoints);
  expect(dbs.length).toBeGreaterThanOrEqual(MEMBERS);
  for (const path of dbs) {
    // Opening fails (LEVEL_LOCKED) while any process still holds the database.
    const db = new ClassicLevel(path, { createIfMissing: false });
    await db.open();
    await db.close();
  }
  await expect(stat(join(dir, ENDPOINTS_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(JSON.parse(await readFile(join(dir, PROMETHEUS_TARGETS_FILE), 'utf8'))).toEqual([]);
  await expect(stat(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('npm start', () => {
  let dir: string;
  const launchers: LauncherProcess[] = [];
  const generators: TrafficProcess[] = [];
  let failed = false;
  const logFile = () => join(dir, 'traffic.log');
  const launch = (...args: string[]) => {
    const launcher = startLauncherProcess(['--members', String(MEMBERS), '--dir', dir, '--keys', keysDir, '--circuits', 'settlement-4', ...args]);
    launchers.push(launcher);
    return launcher;
  };
  /** Runs the generator process to its end; resolves with how it exited. */
  const generate = async (extraArgs: readonly string[], periods = 1) => {
    const generator = new TrafficProcess(dir, { endpointsFile: join(dir, 'endpoints.json'), periods, recordsPerDirection: RECORDS, extraArgs });
    generators.push(generator);
    const exited = new Promise<string>((resolve) => generator.onExit(resolve));
    await generator.start();
    return exited;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'npm-start-'));
    // The keys step of the launcher itself; reuses the keys of an earlier run of this test.
    await ensureDemoKeys(keysDir, ['settlement-4'], lineProgress(() => {}), new AbortController().signal);
  }, 600_000);

  afterAll(async () => {
    for (const generator of generators) await generator.stop();
    for (const launcher of launchers) {
      if (launcher.child.exitCode === null && launcher.child.signalCode === null) {
        launcher.child.kill('SIGTERM');
        await launcher.exited;
      }
    }
    if (failed) console.error(`devnet kept for a look at its logs (traffic.log, <member>/node.log): ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }, LAUNCHER_STOP_MS);

  it('brings up the consortium, refuses a second launcher, settles whole periods, and Ctrl-C leaves no process and no lock', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const launcher = launch('--periods', '2', '--records', String(RECORDS));
    const endpoints = await waitForEndpoints(dir, launcher);

    expect(endpoints.members.map((member) => member.id)).toEqual(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO']);
    expect(endpoints.members.every((member) => processAlive(member.pid))).toBe(true);
    for (const member of endpoints.members) {
      await waitFor(`${member.id} committed a block`, async () => (await committedHeight(member)) >= 1);
      const metrics = await fetch(member.metricsUrl).then(async (response) => response.text());
      expect(metrics).toContain('consortium_consensus_');
    }
    // deploy/prometheus/prometheus.yml's targets: one group per member, from the same endpoints.
    const targets = async () => JSON.stringify(JSON.parse(await readFile(join(dir, PROMETHEUS_TARGETS_FILE), 'utf8').catch(() => 'null')));
    await waitFor('the Prometheus targets of every member', async () => (await targets()) === JSON.stringify(prometheusTargetsOf(endpoints)));
    // The table names every member with its API (it reaches this process through a pipe: wait for it).
    const row = (member: DevnetEndpoints['members'][number]) => new RegExp(`^ {2}${member.id} +${member.tadig} +${member.apiUrl.replace(/[.]/g, '\\.')} `, 'm');
    await waitFor('the table of every member', () => endpoints.members.every((member) => row(member).test(launcher.output())));

    const second = launch();
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`DevnetRunningError: a local consortium already runs from ${dir} (launcher pid ${launcher.child.pid})`);
    // The refused launcher touched nothing: the first one's nodes run on.
    expect(endpoints.members.every((member) => processAlive(member.pid))).toBe(true);

    const readEndpoints = async () => JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')) as DevnetEndpoints;
    await waitFor('endpoints.json names the traffic generator', async () => (await readEndpoints()).traffic !== undefined);
    const devnet = await readEndpoints();
    expect(devnet.traffic).toMatchObject({ logFile: logFile(), periods: 2, recordsPerDirection: RECORDS });
    await waitFor('the table names the generator', () => launcher.output().includes(`traffic generator (pid ${devnet.traffic!.pid})`));
    // The dashboard serves, endpoints.json names it, and its link with the observer token follows the table.
    await waitFor('endpoints.json names the dashboard', async () => (await readEndpoints()).dashboard !== undefined);
    const { dashboard } = await readEndpoints();
    const token = (await readFile(dashboard!.tokenFile, 'utf8')).trim();
    await waitFor('the dashboard link', () => launcher.output().includes(`  dashboard: ${dashboard!.url}/#token=${token}`));
    await waitFor('a snapshot from the dashboard', async () => (await fetch(`${dashboard!.url}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } })).status === 200);

    await waitFor(
      'the generator settles its first period',
      async () => {
        if (launcher.output().includes('✖ the traffic generator exited')) throw new Error(`the traffic generator failed:\n${launcher.output()}`);
        const lines = await logLines(logFile());
        return { done: lines.some((line) => line.step === 'period_summary'), seen: lines.at(-1)?.msg === undefined ? 'no log yet' : String(lines.at(-1)!.msg) };
      },
      PERIOD_MS,
      1_000,
    );
    const summary = (await logLines(logFile())).find((line) => line.step === 'period_summary')!;
    const directions = MEMBERS * (MEMBERS - 1);
    expect(summary).toMatchObject({ records: directions * RECORDS, batches: (directions * RECORDS) / BATCH_RECORDS, statements: (directions * RECORDS) / BATCH_RECORDS });
    const settled = await expectNettingOnEveryNode(devnet, summary.period!);
    expect(settled.resolved).toBe(summary.disputes);
    // The dashboard shows the closed period: its netting, and the bilateral matrix of every
    // direction from the members' own statement totals, which add up to the netting's gross amount.
    // The matrix is the latest closed period's: on a loaded machine the generator may have closed
    // its second period by now, and then the matrix is that one's.
    interface SettlementsShown { readonly periods: readonly { readonly period: string; readonly closed: boolean; readonly netting: { readonly grossAmount: string } | null }[]; readonly matrix: { readonly period: string | null; readonly cells: readonly { readonly amount: string }[] } }
    let shown: SettlementsShown | null = null;
    await waitFor('the dashboard shows the closed period and its matrix', async () => {
      shown = ((await (await fetch(`${dashboard!.url}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } })).json()) as { settlements: SettlementsShown }).settlements;
      const closing = shown.periods.find((period) => period.period === summary.period);
      const matrixPeriod = shown.periods.find((period) => period.period === shown!.matrix.period);
      const latestClosed = shown.matrix.period !== null && shown.matrix.period >= summary.period! && matrixPeriod?.closed === true;
      return { done: closing?.closed === true && latestClosed && shown.matrix.cells.length === directions, seen: JSON.stringify({ closing, matrix: shown.matrix }).slice(0, 400) };
    });
    const closed = shown!.periods.find((period) => period.period === shown!.matrix.period)!;
    expect(closed.closed).toBe(true);
    expect(shown!.matrix.cells.reduce((sum, cell) => sum + BigInt(cell.amount), 0n)).toBe(BigInt(closed.netting!.grossAmount));
    await expectSettlementsInBrowser(dashboard!.url, token, summary.period!, directions);

    // Ctrl-C while the generator works on its second period (or just finished it): it stops with
    // the nodes. Not before the period's usage is committed: a node does not yet submit again, after
    // a restart, a usage batch that was in its mempool when it stopped (reported to the node's owner).
    await waitFor('the second period\'s usage committed', async () => {
      const lines = await logLines(logFile());
      const committed = lines.filter((line) => line.step === 'usage' && line.period !== summary.period).length;
      return { done: committed >= directions || lines.some((line) => line.step === 'done'), seen: `${committed} directions` };
    }, PERIOD_MS);
    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
    await expectNothingLeft(dir, endpoints);
    expect(processAlive(devnet.traffic!.pid)).toBe(false);
    expect(processAlive(dashboard!.pid)).toBe(false);
    // It ended by stopping or by finishing, not by being killed. Looked for, not taken as the last
    // line: before the generator logged synchronously, an asynchronous write still in flight at
    // its exit landed after the exit's own flush ("netting" after "done", on a loaded machine).
    expect((await logLines(logFile())).some((line) => line.step === 'stopped' || line.step === 'done')).toBe(true);
  }, PERIOD_MS + 600_000);

  it('a later run goes on with the chain and with what the interrupted generator left, resolves disputes, and a node that dies ends the run with its log', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const genesisBefore = await readFile(join(dir, 'genesis.json'), 'utf8');
    const launcher = launch('--no-traffic');
    const endpoints = await waitForEndpoints(dir, launcher);
    expect(endpoints.traffic).toBeUndefined();
    await waitFor('the launcher says what it reused', () => launcher.output().includes('reused from') && launcher.output().includes('the chain went on from the last run'));
    // The same genesis: nothing was made again.
    expect(await readFile(join(dir, 'genesis.json'), 'utf8')).toBe(genesisBefore);

    const earlier = await logLines(logFile());
    // What the chain says, not the log's last line: the Ctrl-C may have come after the second
    // period's close was committed but before the generator logged it.
    const closedBefore = new Set((await (await operatorClient(endpoints.members[0]!)).periods()).filter((period) => period.closed !== null).map((period) => period.period));
    const firstWindow = earlier.find((line) => line.step === 'plan')!.periods!;
    const windowOpen = !firstWindow.every((period) => closedBefore.has(period));
    // The first run's window still open: the generator takes it again, its first period skipped
    // (closed), its second finished. Every period of it closed: the generator settles the window before it.
    expect(await generate([], 2)).toBe('code 0');
    const resumed = (await logLines(logFile())).slice(earlier.length);
    const skipped = resumed.filter((line) => line.step === 'period_skipped').length;
    if (windowOpen) expect(skipped).toBeGreaterThanOrEqual(1);
    else expect(skipped).toBe(0);
    expect(resumed.filter((line) => line.step === 'period_summary').length).toBe(2 - skipped);
    // The window's agreements are the first run's.
    if (windowOpen) expect(resumed.filter((line) => line.step === 'agreement').every((line) => line.outcome === 'registered_before')).toBe(true);
    for (const line of resumed.filter((entry) => entry.step === 'period_summary')) await expectNettingOnEveryNode(endpoints, line.period!);

    expect(await generate(['--first-period', DISPUTE_PERIOD, '--dispute-one-in', '2'])).toBe('code 0');
    const disputed = (await logLines(logFile())).find((line) => line.step === 'period_summary' && line.period === DISPUTE_PERIOD)!;
    expect(disputed.disputes).toBeGreaterThan(0);
    const settled = await expectNettingOnEveryNode(endpoints, DISPUTE_PERIOD);
    expect(settled.resolved).toBe(disputed.disputes);

    const victim = endpoints.members[1]!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await launcher.exited).toBe(1);
    expect(launcher.output()).toContain(`${victim.id} exited (signal SIGKILL) while the consortium ran; the end of ${victim.logFile}`);
    await expectNothingLeft(dir, endpoints);
  }, 2 * PERIOD_MS + 600_000);
});
