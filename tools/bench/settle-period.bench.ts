// Settlement end to end through the devnet: usage records per second and statements per second
// (each proved on its creditor's prover pool, verified by every node), as `npm start` runs them.
// The launcher starts the members' nodes (`--no-traffic`); the traffic generator's runner then
// settles whole periods in this process against their APIs, and its log lines give the figures.
// Prints figures, asserts nothing.
//   BENCH_SETTLE_MEMBERS    members (default 5)
//   BENCH_SETTLE_RECORDS    usage records per direction and period (default 300, npm start's)
//   BENCH_SETTLE_PERIODS    periods (default 1)
//   BENCH_SETTLE_CIRCUITS   the devnet's circuits (default the launcher's, settlement-61)
//   BENCH_SETTLE_KEYS       the demo keys folder (default .devnet/keys, `npm start`'s: reused, or
//                           made there first when missing, which takes minutes)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { pino } from 'pino';
import { startLauncherProcess, waitForEndpoints } from '../src/devnet/launcher-process.js';
import { DEFAULT_DEVNET_CIRCUITS } from '../src/launcher/options.js';
import { formatElapsed } from '../src/launcher/progress.js';
import { memberNodes } from '../src/traffic/endpoints.js';
import { TRAFFIC_DEFAULTS } from '../src/traffic/plan.js';
import { runTraffic } from '../src/traffic/runner.js';
import type { PeriodSummary } from '../src/traffic/summary.js';
import { percentile } from './report.js';

const MEMBERS = Number(process.env.BENCH_SETTLE_MEMBERS ?? 5);
const RECORDS = Number(process.env.BENCH_SETTLE_RECORDS ?? TRAFFIC_DEFAULTS.recordsPerDirection);
const PERIODS = Number(process.env.BENCH_SETTLE_PERIODS ?? 1);
const CIRCUITS = process.env.BENCH_SETTLE_CIRCUITS ?? DEFAULT_DEVNET_CIRCUITS;
const KEYS = process.env.BENCH_SETTLE_KEYS ?? resolve(REPOSITORY_ROOT, '.devnet/keys');

interface LogLine {
  readonly time: string;
  readonly step?: string;
  readonly period?: string;
  readonly records?: number;
  readonly provedInMs?: number;
}

/** One period's figures from the runner's log lines: usage until its last batch committed, statements from the first proposed to the last. */
function periodFigures(summary: PeriodSummary, lines: readonly LogLine[]): string[] {
  const at = (line: LogLine | undefined) => (line === undefined ? Number.NaN : Date.parse(line.time));
  const started = at(lines.find((line) => line.step === 'period_start' && line.period === summary.period));
  const ended = started + summary.elapsedMs;
  const inPeriod = lines.filter((line) => at(line) >= started && at(line) <= ended);
  const usage = inPeriod.filter((line) => line.step === 'usage');
  const statements = inPeriod.filter((line) => line.step === 'statement');
  const usageMs = at(usage.at(-1)) - started;
  const statementsMs = at(statements.at(-1)) - (at(statements[0]) - (statements[0]?.provedInMs ?? 0));
  const proved = statements.map((line) => line.provedInMs ?? Number.NaN).sort((x, y) => x - y);
  const perSecond = (count: number, ms: number) => (count / (ms / 1_000)).toFixed(1);
  return [
    `period ${summary.period}: ${summary.records.toLocaleString('en-US')} records, ${summary.batches} batches, ${summary.statements} statements (${summary.disputes} disputed and resolved), closed and netted in ${formatElapsed(summary.elapsedMs)}`,
    `  usage: every batch committed ${formatElapsed(usageMs)} after the period began: ${perSecond(summary.records, usageMs)} records/s`,
    `  statements: ${summary.statements} proposed in ${formatElapsed(statementsMs)}: ${perSecond(summary.statements, statementsMs)} statements/s (${perSecond(summary.records, statementsMs)} records/s proved)`,
    `  one statement, POST to proposed (proving included): p50 ${formatElapsed(percentile(proved, 50))}, p90 ${formatElapsed(percentile(proved, 90))}, max ${formatElapsed(proved.at(-1) ?? Number.NaN)}`,
    `  whole period: ${perSecond(summary.records, summary.elapsedMs)} records/s, ${perSecond(summary.statements, summary.elapsedMs)} statements/s`,
  ];
}

export async function runSettlePeriodBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-settle-'));
  const launcher = startLauncherProcess(['--members', String(MEMBERS), '--dir', dir, '--keys', KEYS, '--circuits', CIRCUITS, '--no-traffic']);
  try {
    await waitForEndpoints(dir, launcher, 1_800_000);
    console.log(`${MEMBERS} members (${CIRCUITS}, keys ${KEYS}), ${RECORDS} records per direction and period, ${PERIODS} period(s); nodes, prover pools and this generator on this machine`);
    const lines: LogLine[] = [];
    const log = pino({ timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const nodes = await memberNodes(join(dir, 'endpoints.json'));
    const summaries = await runTraffic({ nodes, options: { ...TRAFFIC_DEFAULTS, periods: PERIODS, recordsPerDirection: RECORDS }, log, signal: new AbortController().signal });
    for (const summary of summaries) for (const line of periodFigures(summary, lines)) console.log(`  ${line}`);
  } finally {
    launcher.child.kill('SIGINT');
    await launcher.exited;
    await rm(dir, { recursive: true, force: true });
  }
}
