import { getHeapStatistics } from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver, constants as perfConstants, type ELDHistogram } from 'node:perf_hooks';
import type { ProcessMetrics } from '../metrics/areas.js';
import { CumulativeReadings } from './cumulative.js';
import type { Collector } from './types.js';

export interface ProcessInfo {
  readonly service: string;
  readonly member: string;
  readonly version: string;
}

/** Event-loop delay percentiles are taken over windows of at least this long. */
const EVENT_LOOP_WINDOW_MS = 5_000;
/** The delay monitor samples every 10 ms: fine enough to see a 20 ms stall, cheap enough to leave on. */
const EVENT_LOOP_RESOLUTION_MS = 10;

const GC_KIND_BY_FLAG = new Map<number, 'minor' | 'major' | 'incremental' | 'weakcb'>([
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

const NS_PER_SECOND = 1e9;

/**
 * Reads the process's CPU, memory, event-loop delay, GC time and open resources. GC time
 * accumulates from a PerformanceObserver as collections happen; everything else is read on
 * collect().
 */
export class ProcessCollector implements Collector {
  private readonly cpu = new CumulativeReadings();
  private readonly loopDelay: ELDHistogram;
  private loopWindowStartMs: number;
  private readonly gcObserver: PerformanceObserver;

  constructor(
    private readonly metrics: ProcessMetrics,
    info: ProcessInfo,
    private readonly nowMs: () => number = Date.now,
  ) {
    metrics.info.set({ ...info, node_version: process.version }, 1);
    metrics.startTimeSeconds.set(Math.round((nowMs() - process.uptime() * 1000) / 1000));

    this.loopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.loopDelay.enable();
    this.loopWindowStartMs = nowMs();

    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        // Node puts the GC kind in `detail` of "gc" entries; the typings only declare it on marks.
        const detail = (entry as { detail?: { kind?: number } }).detail;
        const kind = GC_KIND_BY_FLAG.get(detail?.kind ?? -1);
        if (kind !== undefined) metrics.gcSecondsTotal.inc({ kind }, entry.duration / 1000);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  collect(): void {
    const { metrics } = this;
    const cpu = process.cpuUsage();
    metrics.cpuSecondsTotal.inc({ mode: 'user' }, this.cpu.delta('user', cpu.user / 1e6));
    metrics.cpuSecondsTotal.inc({ mode: 'system' }, this.cpu.delta('system', cpu.system / 1e6));

    const memory = process.memoryUsage();
    metrics.residentMemoryBytes.set(memory.rss);
    metrics.heapBytes.set({ kind: 'used' }, memory.heapUsed);
    metrics.heapBytes.set({ kind: 'total' }, memory.heapTotal);
    // The limit V8 enforces: a process started with --max-old-space-size (as the manifests start
    // the node: docs/decisions.md, "A node's memory") stops with a heap out of memory error there.
    const { heap_size_limit: heapLimitBytes } = getHeapStatistics();
    metrics.heapBytes.set({ kind: 'limit' }, heapLimitBytes);
    metrics.heapUsedRatio.set(memory.heapUsed / heapLimitBytes);
    metrics.heapBytes.set({ kind: 'external' }, memory.external);
    metrics.heapBytes.set({ kind: 'array_buffers' }, memory.arrayBuffers);

    this.collectEventLoopDelay();
    this.collectActiveResources();
  }

  private collectEventLoopDelay(): void {
    const histogram = this.loopDelay;
    if (histogram.count === 0) return;
    // The monitor's samples include its own sampling interval (a 10 ms resolution reads about
    // 10.1 ms on an idle loop): subtract it, so an idle loop reads near zero.
    const delaySeconds = (ns: number) => Math.max(0, ns - EVENT_LOOP_RESOLUTION_MS * 1e6) / NS_PER_SECOND;
    this.metrics.eventLoopDelaySeconds.set({ percentile: 'p50' }, delaySeconds(histogram.percentile(50)));
    this.metrics.eventLoopDelaySeconds.set({ percentile: 'p99' }, delaySeconds(histogram.percentile(99)));
    this.metrics.eventLoopDelaySeconds.set({ percentile: 'max' }, delaySeconds(histogram.max));
    // Two scrapers (Prometheus and the OTLP reader) read the same values; a time-based window
    // keeps one from resetting the other's view.
    if (this.nowMs() - this.loopWindowStartMs >= EVENT_LOOP_WINDOW_MS) {
      histogram.reset();
      this.loopWindowStartMs = this.nowMs();
    }
  }

  private collectActiveResources(): void {
    const countByType = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) countByType.set(type, (countByType.get(type) ?? 0) + 1);
    // A type that disappeared must read 0, not its last count.
    this.metrics.activeResources.reset();
    for (const [type, count] of countByType) this.metrics.activeResources.set({ type }, count);
  }

  stop(): void {
    this.loopDelay.disable();
    this.gcObserver.disconnect();
  }
}
