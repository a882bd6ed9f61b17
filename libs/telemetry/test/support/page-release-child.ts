// A process that grows its heap, lets the garbage go, then runs one memory check with a real
// V8PageReleaser: prints what it measured as one JSON line (page-release.test.ts).
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pooledPageBytes, setupTelemetry, V8PageReleaser } from '@consortium/telemetry';

const MiB = 2 ** 20;
const thresholdBytes = Number(process.argv[2]) * MiB;
const telemetry = setupTelemetry({ serviceName: 'page-release-child', memberId: 'test', registerGlobal: false, collectors: false, logLevel: 'silent' });
const releaser = new V8PageReleaser(telemetry.metrics.process, telemetry.logger, telemetry.tracer('test'), { checkIntervalMs: 60_000, thresholdBytes });

// A generation of small objects kept long enough to reach the old space, several times over:
// the heap grows to a few hundred MiB, then all of it becomes garbage.
const kept: { index: number; text: string }[][] = [];
for (let round = 0; round < 8; round++) {
  kept.push(Array.from({ length: 400_000 }, (_, index) => ({ index, text: `item ${index} of ${round}` })));
  if (kept.length > 4) kept.shift();
}
kept.length = 0;
// A full collection of the ordinary kind: the heap's total shrinks to what is live, while the
// pages it frees stay resident in V8's pool (what the releaser is for).
setFlagsFromString('--expose-gc');
(runInNewContext('gc') as (options: { type: 'major'; execution: 'sync' }) => void)({ type: 'major', execution: 'sync' });

const pooledBefore = pooledPageBytes(await readFile('/proc/self/smaps', 'utf8'), process.memoryUsage().heapTotal);
const rssBefore = process.memoryUsage().rss;
const releasedBytes = await releaser.check();
const rssAfter = process.memoryUsage().rss;
const releases = (await telemetry.registry.getSingleMetric('consortium_process_memory_releases_total')?.get())?.values[0]?.value;
const pauseSeconds = (await telemetry.registry.getSingleMetric('consortium_process_memory_release_seconds_total')?.get())?.values[0]?.value;
console.log(JSON.stringify({ pooledBefore, rssBefore, rssAfter, releasedBytes, releases, pauseSeconds }));
await telemetry.shutdown();
