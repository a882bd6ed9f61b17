import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startLauncherProcess, waitForEndpoints, type LauncherProcess } from '../../src/devnet/launcher-process.js';
import { waitFor, WAIT_DEADLINES_MS } from '../../src/devnet/wait.js';
import type { DevnetEndpoints } from '../../src/launcher/endpoints.js';
import { ensureDemoKeys } from '../../src/launcher/keys.js';
import { processAlive } from '../../src/launcher/lock.js';
import { lineProgress } from '../../src/launcher/progress.js';
import { nettingBalances, SettlementApiClient, type NettingJson } from '../../src/traffic/client.js';
import { TrafficProcess } from '../../src/traffic/process.js';

/**
 * The traffic generator against a real consortium: `npm start` (the launcher process) with four
 * real nodes on loopback and the small test circuit's demo keys (settlement-4, as start.test.ts
 * makes them). Its generator settles periods of 8 records per direction (two batches of four:
 * 24 statements with real proofs per period); Ctrl-C after the first period stops it with the
 * nodes, wherever it is. A second `npm start --no-traffic` on the same chain, then the generator
 * process by itself: it goes on with what the first run left, then settles an earlier period
 * with every other statement disputed, so the resolution path runs too. Each period: every batch
 * settled, the period closed, the netting the same on every node and equal to a sum over the
 * statements each member's node shows its operator.
 */

const MEMBERS = 4;
const RECORDS = 8;
const keysDir = join(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
/** A period of the dispute run: fixed, so its batch ids, and so its disputes, are too. */
const DISPUTE_PERIOD = '2025-01';
const LAUNCHER_STOP_MS = WAIT_DEADLINES_MS.stop + 60_000;
/** One period of 24 small proofs on a loaded 2-core machine, with room. */
const PERIOD_MS = 900_000;

interface LogLine {
  readonly step?: string;
  readonly period?: string;
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
  expect(statements).toBe(MEMBERS * (MEMBERS - 1) * (RECORDS / 4));
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

describe('the traffic generator', () => {
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
  const stopLauncher = async (launcher: LauncherProcess, endpoints: DevnetEndpoints) => {
    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toBe(0);
    await waitFor('every node process gone', () => endpoints.members.every((member) => !processAlive(member.pid)), LAUNCHER_STOP_MS);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'traffic-'));
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

  it('settles and closes whole periods under npm start, with the same netting on every node, and stops on Ctrl-C', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const launcher = launch('--periods', '2', '--records', String(RECORDS));
    await waitForEndpoints(dir, launcher);
    const readEndpoints = async () => JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')) as DevnetEndpoints;
    await waitFor('endpoints.json names the traffic generator', async () => (await readEndpoints()).traffic !== undefined);
    const devnet = await readEndpoints();
    expect(devnet.traffic).toMatchObject({ logFile: logFile(), periods: 2, recordsPerDirection: RECORDS });
    await waitFor('the table names the generator', () => launcher.output().includes(`traffic generator (pid ${devnet.traffic!.pid})`));

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
    expect(summary).toMatchObject({ records: MEMBERS * (MEMBERS - 1) * RECORDS, batches: MEMBERS * (MEMBERS - 1) * 2, statements: MEMBERS * (MEMBERS - 1) * 2 });
    const settled = await expectNettingOnEveryNode(devnet, summary.period!);
    expect(settled.resolved).toBe(summary.disputes);

    // Ctrl-C while the generator works on its second period (or just finished it): it stops with
    // the nodes. Not before the period's usage is committed: a node does not yet submit again, after
    // a restart, a usage batch that was in its mempool when it stopped (reported to the node's owner).
    await waitFor('the second period\'s usage committed', async () => {
      const lines = await logLines(logFile());
      const committed = lines.filter((line) => line.step === 'usage' && line.period !== summary.period).length;
      return { done: committed >= MEMBERS * (MEMBERS - 1) || lines.some((line) => line.step === 'done'), seen: `${committed} directions` };
    }, PERIOD_MS);
    await stopLauncher(launcher, devnet);
    expect(processAlive(devnet.traffic!.pid)).toBe(false);
    expect(['stopped', 'done']).toContain((await logLines(logFile())).at(-1)!.step);
  }, PERIOD_MS + 600_000);

  it('goes on with what an interrupted run left, and resolves disputes', async () => {
    onTestFailed(() => {
      failed = true;
    });
    const launcher = launch('--no-traffic');
    const devnet = await waitForEndpoints(dir, launcher);
    expect(devnet.traffic).toBeUndefined();
    const earlier = await logLines(logFile());
    const interrupted = earlier.at(-1)!.step === 'stopped';

    // Interrupted, the first run's window again: its first period is skipped (closed), its second
    // finished. Had the first run settled both, every period of the window is closed and the
    // generator settles the window before it.
    expect(await generate([], 2)).toBe('code 0');
    const resumed = (await logLines(logFile())).slice(earlier.length);
    const skipped = resumed.filter((line) => line.step === 'period_skipped').length;
    if (interrupted) expect(skipped).toBeGreaterThanOrEqual(1);
    else expect(skipped).toBe(0);
    expect(resumed.filter((line) => line.step === 'period_summary').length).toBe(2 - skipped);
    // The window's agreements are the first run's.
    if (interrupted) expect(resumed.filter((line) => line.step === 'agreement').every((line) => line.outcome === 'registered_before')).toBe(true);
    for (const line of resumed.filter((entry) => entry.step === 'period_summary')) await expectNettingOnEveryNode(devnet, line.period!);

    expect(await generate(['--first-period', DISPUTE_PERIOD, '--dispute-one-in', '2'])).toBe('code 0');
    const disputed = (await logLines(logFile())).find((line) => line.step === 'period_summary' && line.period === DISPUTE_PERIOD)!;
    expect(disputed.disputes).toBeGreaterThan(0);
    const settled = await expectNettingOnEveryNode(devnet, DISPUTE_PERIOD);
    expect(settled.resolved).toBe(disputed.disputes);

    await stopLauncher(launcher, devnet);
  }, 2 * PERIOD_MS + 600_000);
});
