import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Tracer } from '@opentelemetry/api';
import { spanCatalogue } from '../catalogue/spans.js';
import type { Logger } from '../logger.js';
import type { ProcessMetrics } from '../metrics/areas.js';
import { splitResident } from './smaps.js';

/**
 * Gives V8's pooled heap pages back to the system when they pile up.
 *
 * V8 keeps the pages it frees from its spaces resident, for reuse, and releases them only in a
 * memory-reducing collection: when the process goes idle (its memory reducer) or is told that
 * memory is low. A node under a load that never pauses reaches neither, so its resident V8
 * pages follow the heap's high-water mark, not its live size: in a 30-minute settlement soak
 * they grew from 210 to 525 MiB a node while the heap's total was 335 (docs/benchmarks.md,
 * "V8's page pool"). Such a collection frees them all: a script's RSS fell from 492 to 77 MiB.
 *
 * So, every check, the pages V8 holds resident beyond the main isolate's heap total are read
 * from /proc/self/smaps; past the threshold, one memory-reducing collection runs. It pauses the
 * process: 66-85 ms in a small test process, about 1 s in a node under the soak's load on a
 * shared 2-core machine (full collections repeated until the heap stops shrinking), counted in
 * consortium_process_memory_release_seconds_total. The estimate includes the prover workers'
 * heaps (about 22 MiB), so it errs towards releasing.
 */
export interface MemoryReleaseOptions {
  readonly checkIntervalMs: number;
  /** Pooled pages above this many bytes start a memory-reducing collection. */
  readonly thresholdBytes: number;
}

export const MEMORY_RELEASE_DEFAULTS: MemoryReleaseOptions = { checkIntervalMs: 60_000, thresholdBytes: 128 * 2 ** 20 };

/** What the releaser reads and does, apart from its timer: the real process unless a test swaps a part. */
export interface MemoryReleaseProbe {
  /** /proc/self/smaps, or null where there is none (not Linux). */
  readSmaps(): Promise<string | null>;
  heapTotalBytes(): number;
  /** Runs one memory-reducing collection. */
  reduceMemory(): void;
}

/** V8's pooled pages: its resident heap pages beyond the heap total it reports (never negative). */
export function pooledPageBytes(smaps: string, heapTotalBytes: number): number {
  return Math.max(0, splitResident(smaps).v8PageBytes - heapTotalBytes);
}

export class V8PageReleaser {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly metrics: ProcessMetrics,
    private readonly logger: Logger,
    private readonly tracer: Tracer,
    private readonly options: MemoryReleaseOptions = MEMORY_RELEASE_DEFAULTS,
    private readonly probe: MemoryReleaseProbe = processProbe(),
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    // A housekeeping timer: it must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check: measures the pool and, past the threshold, releases it. Returns the bytes released (0 when none). */
  async check(): Promise<number> {
    if (this.checking) return 0;
    this.checking = true;
    try {
      return await this.checkOnce();
    } catch (error) {
      this.logger.warn({ err: error }, 'the memory check failed; it runs again at the next interval');
      return 0;
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<number> {
    const smaps = await this.probe.readSmaps();
    if (smaps === null) {
      // Nothing to read here (not Linux): no check can ever run.
      this.stop();
      return 0;
    }
    const pooledBytes = pooledPageBytes(smaps, this.probe.heapTotalBytes());
    this.metrics.v8PooledBytes.set(pooledBytes);
    if (pooledBytes < this.options.thresholdBytes) return 0;

    const span = this.tracer.startSpan(spanCatalogue.processMemoryRelease.name, { attributes: { 'memory.pooled_bytes': pooledBytes } });
    const startedMs = performance.now();
    this.probe.reduceMemory();
    const pauseMs = performance.now() - startedMs;
    const after = await this.probe.readSmaps();
    const pooledAfterBytes = after === null ? 0 : pooledPageBytes(after, this.probe.heapTotalBytes());
    const releasedBytes = Math.max(0, pooledBytes - pooledAfterBytes);
    span.setAttribute('memory.released_bytes', releasedBytes);
    span.end();
    this.metrics.v8PooledBytes.set(pooledAfterBytes);
    this.metrics.memoryReleasesTotal.inc();
    this.metrics.memoryReleaseSecondsTotal.inc(pauseMs / 1000);
    this.logger.info(
      { pooledMiB: toMiB(pooledBytes), releasedMiB: toMiB(releasedBytes), pauseMs: Math.round(pauseMs) },
      "released V8's pooled heap pages with a memory-reducing collection",
    );
    return releasedBytes;
  }
}

function toMiB(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let memoryReducingGc: GcFunction | null = null;

/**
 * V8's `gc` with its options, without starting the process with --expose-gc: the flag set at
 * run time exposes `gc` in contexts created after it. The `last-resort` flavour is V8's
 * low-memory collection, which also releases the pooled pages (a `major` one does not).
 */
function gcFunction(): GcFunction {
  if (memoryReducingGc === null) {
    setFlagsFromString('--expose-gc');
    memoryReducingGc = runInNewContext('gc') as GcFunction;
  }
  return memoryReducingGc;
}

function processProbe(): MemoryReleaseProbe {
  return {
    readSmaps: async () => {
      try {
        return await readFile('/proc/self/smaps', 'utf8');
      } catch {
        return null;
      }
    },
    heapTotalBytes: () => process.memoryUsage().heapTotal,
    reduceMemory: () => gcFunction()({ type: 'major', execution: 'sync', flavor: 'last-resort' }),
  };
}
