// `npm run bench` (or `npx nx run @consortium/tools:bench -- <name>`): runs the benchmarks and
// prints their figures. Benchmarks measure; they assert nothing. Figures go to docs/benchmarks.md.
import { describeMachine } from './machine.js';
import { runConsensusBench } from './consensus.bench.js';
import { runTelemetryBench } from './telemetry.bench.js';
import { runZkpProveBench } from './zkp-prove.bench.js';
import { runZkpVerifyBench } from './zkp-verify.bench.js';
import { runZkpPoolBench } from './zkp-pool.bench.js';
import { runSettlementApplyBench } from './settlement-apply.bench.js';
import { runDevnetStartBench } from './devnet-start.bench.js';
import { runApiReadBench } from './api-read.bench.js';
import { runSettlePeriodBench } from './settle-period.bench.js';
import { runInstrumentationOverheadBench, runMetricsScrapeBench } from './node-telemetry.bench.js';
import { runDashboardBench, runDashboardHistoryBench } from './dashboard.bench.js';
import { runCeremonyBench } from './ceremony.bench.js';
import { runPendingTxsBench } from './pending-txs.bench.js';
import { runSoakBench } from './soak.bench.js';

const BENCHES: Record<string, () => Promise<void>> = {
  telemetry: runTelemetryBench,
  consensus: runConsensusBench,
  'zkp-verify': runZkpVerifyBench,
  'zkp-prove': runZkpProveBench,
  'zkp-pool': runZkpPoolBench,
  'settlement-apply': runSettlementApplyBench,
  'devnet-start': runDevnetStartBench,
  'api-read': runApiReadBench,
  'settle-period': runSettlePeriodBench,
  'metrics-scrape': runMetricsScrapeBench,
  'instrumentation-overhead': runInstrumentationOverheadBench,
  dashboard: runDashboardBench,
  'dashboard-history': runDashboardHistoryBench,
  ceremony: runCeremonyBench,
  'pending-txs': runPendingTxsBench,
  soak: runSoakBench,
};

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

console.log(`machine: ${describeMachine()}`);
for (const name of requested.length > 0 ? requested : Object.keys(BENCHES)) {
  console.log(`\n== ${name}`);
  await BENCHES[name]!();
}
