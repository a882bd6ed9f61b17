// `npm run fuzz`: runs every fuzz target (tools/src/fuzz/targets) one after another with at least
// 100,000 inputs each (`--runs`), prints a line per target and the summary table, and for a
// failure the seed and path that replay it; exit 1 on any failure. Targets run in turn, not in
// parallel: several of them start a node, and the machine may have two cores.
import { parsePlan } from './plan.js';
import { failureReport, summaryTable, targetLine } from './report.js';
import { runTarget, type TargetReport } from './run.js';
import { FUZZ_TARGETS } from './targets/index.js';

/** On a terminal the running target's line is redrawn; in a log only finished lines appear. */
function progressLine(name: string, runs: number, started: number): (done: number) => void {
  if (!process.stdout.isTTY) return () => {};
  return (done) => {
    const perSecond = Math.round(done / ((performance.now() - started) / 1000));
    process.stdout.write(`\r     ${name.padEnd(20)} ${done.toLocaleString('en-US').padStart(9)} / ${runs.toLocaleString('en-US')}  ${perSecond.toLocaleString('en-US')} inputs/s`);
  };
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2), FUZZ_TARGETS);
  console.log(`fuzz: ${plan.targets.length} target(s) x ${plan.runs.toLocaleString('en-US')} inputs, seed ${plan.seed}`);
  const reports: TargetReport[] = [];
  for (const target of plan.targets) {
    const started = performance.now();
    const report = await runTarget(target, { runs: plan.runs, seed: plan.seed, path: plan.path, onProgress: progressLine(target.name, plan.runs, started), progressEvery: 1_000 });
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[2K');
    console.log(targetLine(report));
    if (report.failure !== null) console.error(failureReport(report));
    reports.push(report);
  }
  console.log(`\n${summaryTable(reports)}`);
  const failed = reports.filter((report) => report.failure !== null);
  for (const report of failed) console.error(`\n${failureReport(report)}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`fuzz: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
