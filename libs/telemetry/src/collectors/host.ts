import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import type { HostMetrics } from '../metrics/areas.js';
import { CumulativeReadings } from './cumulative.js';
import { parseMeminfoBytes, parseProcNetDev } from './proc-parsers.js';
import type { Collector } from './types.js';

/** Interfaces beyond this many are not reported: the catalogue promises a bounded label. */
const MAX_INTERFACES = 16;

/**
 * Synchronous on purpose: /proc files are made in memory by the kernel and statfs answers from
 * the superblock, a few microseconds each, while every asynchronous read is a trip through
 * libuv's thread pool and back to an event loop that a busy node shares with consensus. A scrape
 * that waited for three such trips measured 5 to 10 ms on an idle devnet node (benchmarks.md).
 */
function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // not Linux, or /proc not mounted: the metric is simply absent
  }
}

/**
 * Reads host CPU, memory, the data directory's filesystem and per-interface traffic. Linux
 * /proc files are optional; without them the corresponding series are not exported.
 */
export class HostCollector implements Collector {
  private readonly cumulative = new CumulativeReadings();

  constructor(
    private readonly metrics: HostMetrics,
    private readonly dataDir: string,
  ) {}

  collect(): void {
    this.collectCpu();
    this.collectMemory();
    this.collectDisk();
    this.collectNetwork();
  }

  private collectCpu(): void {
    const cpus = os.cpus();
    this.metrics.cpuCores.set(cpus.length);
    const totalsMs = { user: 0, nice: 0, system: 0, idle: 0, irq: 0 };
    for (const { times } of cpus) {
      totalsMs.user += times.user;
      totalsMs.nice += times.nice;
      totalsMs.system += times.sys;
      totalsMs.idle += times.idle;
      totalsMs.irq += times.irq;
    }
    for (const mode of ['user', 'nice', 'system', 'idle', 'irq'] as const) {
      this.metrics.cpuSecondsTotal.inc({ mode }, this.cumulative.delta(`cpu:${mode}`, totalsMs[mode] / 1000));
    }
  }

  private collectMemory(): void {
    this.metrics.memoryBytes.set({ state: 'total' }, os.totalmem());
    // libuv's os.freemem() already answers MemAvailable on Linux; /proc/meminfo tells the two apart.
    const meminfo = readOptional('/proc/meminfo');
    const field = (name: string) => (meminfo === null ? null : parseMeminfoBytes(meminfo, name));
    this.metrics.memoryBytes.set({ state: 'available' }, field('MemAvailable') ?? os.freemem());
    this.metrics.memoryBytes.set({ state: 'free' }, field('MemFree') ?? os.freemem());
  }

  private collectDisk(): void {
    const stats = statfsSync(this.dataDir);
    const sizeBytes = stats.blocks * stats.bsize;
    const freeBytes = stats.bavail * stats.bsize;
    this.metrics.dataDiskBytes.set({ state: 'size' }, sizeBytes);
    this.metrics.dataDiskBytes.set({ state: 'free' }, freeBytes);
    this.metrics.dataDiskBytes.set({ state: 'used' }, (stats.blocks - stats.bfree) * stats.bsize);
  }

  private collectNetwork(): void {
    const text = readOptional('/proc/net/dev');
    if (text === null) return;
    for (const traffic of parseProcNetDev(text).slice(0, MAX_INTERFACES)) {
      const { interface: name } = traffic;
      const receive = this.cumulative.delta(`rx:${name}`, traffic.receiveBytes);
      const transmit = this.cumulative.delta(`tx:${name}`, traffic.transmitBytes);
      this.metrics.networkBytesTotal.inc({ interface: name, direction: 'receive' }, receive);
      this.metrics.networkBytesTotal.inc({ interface: name, direction: 'transmit' }, transmit);
    }
  }

  stop(): void {}
}
