import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { createProcessMetrics } from '../../src/metrics/areas.js';
import { pooledPageBytes, V8PageReleaser, type MemoryReleaseProbe } from '../../src/memory/page-release.js';

const MiB = 2 ** 20;
const CHILD = fileURLToPath(new URL('../support/page-release-child.ts', import.meta.url));

/** An smaps text with V8-style pages holding `residentMiB` resident. */
function smapsWithV8Pages(residentMiB: number): string {
  const lines: string[] = [];
  for (let page = 0; page < residentMiB * 4; page++) {
    const start = 0x7f40_0000_0000n + BigInt(page) * 0x80000n; // 512 KiB apart: separate 256 KiB mappings
    lines.push(`${start.toString(16)}-${(start + 0x40000n).toString(16)} rw-p 00000000 00:00 0`, 'Rss:                 256 kB');
  }
  return lines.join('\n');
}

function releaserWith(probe: MemoryReleaseProbe, thresholdMiB: number) {
  const registry = new Registry();
  const metrics = createProcessMetrics(registry);
  const releaser = new V8PageReleaser(metrics, pino({ level: 'silent' }), trace.getTracer('test'), { checkIntervalMs: 60_000, thresholdBytes: thresholdMiB * MiB }, probe);
  const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
  return { releaser, value };
}

describe('V8PageReleaser', () => {
  it('counts the pages resident beyond the heap total, never below zero', () => {
    expect(pooledPageBytes(smapsWithV8Pages(100), 60 * MiB)).toBe(40 * MiB);
    expect(pooledPageBytes(smapsWithV8Pages(50), 60 * MiB)).toBe(0);
  });

  it('leaves a pool under the threshold alone, and reports it', async () => {
    let reductions = 0;
    const { releaser, value } = releaserWith({ readSmaps: () => Promise.resolve(smapsWithV8Pages(100)), heapTotalBytes: () => 40 * MiB, reduceMemory: () => reductions++ }, 64);
    expect(await releaser.check()).toBe(0);
    expect(reductions).toBe(0);
    expect(await value('consortium_process_v8_pooled_bytes')).toBe(60 * MiB);
    expect(await value('consortium_process_memory_releases_total')).toBe(0);
  });

  it('runs one memory-reducing collection past the threshold and reports what it gave back', async () => {
    let residentMiB = 200;
    const { releaser, value } = releaserWith(
      {
        readSmaps: () => Promise.resolve(smapsWithV8Pages(residentMiB)),
        heapTotalBytes: () => 40 * MiB,
        reduceMemory: () => {
          residentMiB = 45;
        },
      },
      64,
    );
    expect(await releaser.check()).toBe(155 * MiB);
    expect(await value('consortium_process_memory_releases_total')).toBe(1);
    expect(await value('consortium_process_v8_pooled_bytes')).toBe(5 * MiB);
  });

  it('stops checking where there is no smaps to read', async () => {
    let reads = 0;
    const { releaser } = releaserWith({ readSmaps: () => {
        reads++;
        return Promise.resolve(null);
      }, heapTotalBytes: () => 0, reduceMemory: () => undefined }, 1);
    releaser.start();
    expect(await releaser.check()).toBe(0);
    expect(await releaser.check()).toBe(0);
    expect(reads).toBe(2);
    releaser.stop();
  });

  it.runIf(process.platform === 'linux')("gives V8's pooled pages back in a real process", async () => {
    // Its own process: the pool belongs to the process, and a test runner's other work must not
    // refill or empty it between the measurements.
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', CHILD, '64'], { timeout: 60_000 });
    const run = JSON.parse(stdout.trim().split('\n').at(-1)!) as { pooledBefore: number; rssBefore: number; rssAfter: number; releasedBytes: number; releases: number; pauseSeconds: number };
    expect(run.pooledBefore).toBeGreaterThan(64 * MiB);
    expect(run.releases).toBe(1);
    expect(run.releasedBytes).toBeGreaterThan(64 * MiB);
    expect(run.rssBefore - run.rssAfter).toBeGreaterThan(64 * MiB);
    expect(run.pauseSeconds).toBeGreaterThan(0);
  }, 90_000);
});
