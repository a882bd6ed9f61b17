import os from 'node:os';

/** One line naming the machine a benchmark ran on, for docs/benchmarks.md. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memoryGiB = Math.round(os.totalmem() / 2 ** 30);
  return `${cpus.length} x ${model}, ${memoryGiB} GiB, ${os.type()} ${os.release()}, Node.js ${process.version}`;
}
