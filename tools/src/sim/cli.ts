// `npm run sim -- --seeds N --members 4,5,7 --faults all`: runs the deterministic consensus
// simulator over N seeds with the chosen fault classes, on worker threads; prints each failure
// with the line that replays it exactly (`--seed S`), then a summary by invariant.
import { parsePlan } from './plan.js';
import { runAll, type RunResult } from './runs.js';
import { describeRun, summarise } from './summary.js';

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  console.log(`sim: ${plan.seeds.length} seed(s) x members ${plan.memberCounts.join(',')}; faults ${plan.faults.join(', ') || 'none'}; ${plan.jobs} job(s)`);
  const requests = plan.seeds.flatMap((seed) => plan.memberCounts.map((members) => ({ seed, members, options: plan.options })));
  const results: RunResult[] = [];
  const started = Date.now();
  await runAll(requests, plan.jobs, (result) => {
    results.push(result);
    const { report } = result;
    if (!report.ok) {
      console.error(`FAIL ${describeRun(result)}\n  ${report.invariant}: ${report.failure}\n  at the end: ${report.finalStatus.join(', ')}\n  replay: npm run sim -- --seed ${report.seed} --members ${report.members} ${plan.replayFlags}`);
    } else if (plan.verbose) {
      console.log(`ok   ${describeRun(result)}`);
    }
  });
  console.log(summarise(results, plan.replayFlags));
  console.log(`sim: ${((Date.now() - started) / 1000).toFixed(1)} s wall clock`);
  process.exitCode = results.some(({ report }) => !report.ok) ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`sim: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
