import type { Bench } from 'tinybench';

/** Formats a number of milliseconds in the most readable unit. */
export function formatDuration(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(2)} µs`;
  return `${ms.toFixed(2)} ms`;
}

/** The nearest-rank p-th percentile (0-100) of ascending values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Prints one line per task: p50, p99, mean latency and throughput. */
export function printBench(bench: Bench): void {
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') {
      console.log(`  ${task.name}: ${result.state}${'error' in result ? ` (${String(result.error)})` : ''}`);
      continue;
    }
    const { latency, throughput } = result;
    console.log(
      `  ${task.name.padEnd(48)} p50 ${formatDuration(latency.p50).padStart(10)}  p99 ${formatDuration(latency.p99).padStart(10)}  ` +
        `mean ${formatDuration(latency.mean).padStart(10)}  ${Math.round(throughput.mean).toLocaleString('en-US')} ops/s  (${latency.samplesCount} samples)`,
    );
  }
}
