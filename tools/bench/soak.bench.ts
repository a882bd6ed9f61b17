// The devnet under steady settlement load for a long time (issue 11's soak): does throughput
// stay flat, does memory after GC grow, do file handles or the store grow beyond the data's own
// growth? The launcher starts the members' nodes (`--no-traffic`); this process settles one
// period after another against their APIs (usage batches, statements proved on the creditors'
// prover pools and verified by every node, acceptances, netting) until the time is up, and
// samples every node every few seconds. Prints a row per minute and the trends; asserts nothing.
//   BENCH_SOAK_MINUTES     how long the load runs (default 10)
//   BENCH_SOAK_MEMBERS     members (default 5)
//   BENCH_SOAK_RECORDS     usage records per direction and period (default 32: with settlement-4's
//                          four records a proof, 8 proofs per direction, a period every minute or two)
//   BENCH_SOAK_CIRCUITS    the devnet's circuits (default settlement-4, whose keys the tests make)
//   BENCH_SOAK_KEYS        the keys folder (default build/devnet-test-keys/settlement-4)
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { pino } from 'pino';
import { splitResident, type ResidentSplit } from '@consortium/telemetry';
import { startLauncherProcess, waitForEndpoints } from '../src/devnet/launcher-process.js';
import { memberNodes, readDevnetEndpoints } from '../src/traffic/endpoints.js';
import { addMonths } from '../src/traffic/periods.js';
import { TRAFFIC_DEFAULTS } from '../src/traffic/plan.js';
import { runTraffic } from '../src/traffic/runner.js';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const MEMBERS = Number(process.env.BENCH_SOAK_MEMBERS ?? 5);
const RECORDS = Number(process.env.BENCH_SOAK_RECORDS ?? 32);
const CIRCUITS = process.env.BENCH_SOAK_CIRCUITS ?? 'settlement-4';
const KEYS = process.env.BENCH_SOAK_KEYS ?? resolve(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
const SAMPLE_EVERY_MS = 5_000;
/** The first periods ever settled (long closed), so each period of the soak can close at once. */
const FIRST_PERIOD = '2001-01';

/** One node at one instant. */
interface Sample {
  readonly atMs: number;
  readonly member: string;
  readonly committedTxs: number;
  readonly height: number;
  readonly heapUsedBytes: number;
  readonly residentBytes: number;
  /** Off the V8 heap: Buffers and ArrayBuffers (the prover's field elements, LevelDB values). */
  readonly externalBytes: number;
  /** The main isolate's heap as V8 reserved it (used or not). */
  readonly heapTotalBytes: number;
  /** The prover workers' isolates' heaps, reserved (consortium_zkp_prover_worker_memory_bytes). */
  readonly workerHeapTotalBytes: number;
  /**
   * RSS by kind of mapping (/proc/<pid>/smaps): the wasm memories' resident pages (the prover's
   * curve and witness calculators; V8's external memory counts their whole size instead, about
   * 1 GiB a worker, mostly never touched), glibc's main heap and arenas, code, files, other
   * anonymous mappings.
   */
  readonly resident: ResidentSplit;
  /** The workers' external memory: wasm memories at their whole size, and buffers; its changes are what counts. */
  readonly workerExternalBytes: number;
  readonly dbBytes: number;
  readonly openFiles: number;
  /** The process's threads (/proc/<pid>/status): the prover pool's workers and any threads they start. */
  readonly threads: number;
  /** Memory-reducing collections the node ran to release V8's pooled pages, and their pause in all. */
  readonly memoryReleases: number;
  readonly memoryReleaseSeconds: number;
}

function metricValue(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) ? line.includes(labels) : line.startsWith(`${name} `) && labels === '') return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return Number.NaN;
}

async function sample(member: { id: string; metricsUrl: string; pid: number }): Promise<Sample | null> {
  try {
    const text = await (await fetch(member.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
    // File descriptors straight from the kernel: sockets, LevelDB files, logs, pipes.
    const openFiles = (await readdir(`/proc/${member.pid}/fd`)).length;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(await readFile(`/proc/${member.pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
    const resident = splitResident(await readFile(`/proc/${member.pid}/smaps`, 'utf8'));
    return {
      atMs: Date.now(),
      member: member.id,
      committedTxs: metricValue(text, 'consortium_consensus_committed_txs_total'),
      height: metricValue(text, 'consortium_consensus_height'),
      heapUsedBytes: metricValue(text, 'consortium_process_heap_bytes', 'kind="used"'),
      residentBytes: metricValue(text, 'consortium_process_resident_memory_bytes'),
      externalBytes: metricValue(text, 'consortium_process_heap_bytes', 'kind="external"'),
      heapTotalBytes: metricValue(text, 'consortium_process_heap_bytes', 'kind="total"'),
      workerHeapTotalBytes: metricValue(text, 'consortium_zkp_prover_worker_memory_bytes', 'kind="total"'),
      resident,
      workerExternalBytes: metricValue(text, 'consortium_zkp_prover_worker_memory_bytes', 'kind="external"'),
      dbBytes: metricValue(text, 'consortium_storage_db_size_bytes'),
      openFiles,
      threads,
      memoryReleases: metricValue(text, 'consortium_process_memory_releases_total'),
      memoryReleaseSeconds: metricValue(text, 'consortium_process_memory_release_seconds_total'),
    };
  } catch {
    return null;
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const mx = mean(points.map(([x]) => x));
  const my = mean(points.map(([, y]) => y));
  const num = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const den = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** The trend of one figure over the last half of some minute rows, MiB per minute (a high-water mark levels off there; a leak does not). */
const lastHalfTrend = (rows: readonly MinuteRow[], pick: (row: MinuteRow) => number) =>
  mib(slope(rows.slice(Math.floor(rows.length / 2)).map((row) => [row.minute, pick(row)] as const)));

const native = (s: Sample) => s.residentBytes - s.heapTotalBytes - s.workerHeapTotalBytes - s.resident.wasmResidentBytes;

interface MinuteRow {
  readonly minute: number;
  /** Transactions committed in the minute (one node's count: every node commits the same). */
  readonly txs: number;
  readonly blocks: number;
  /** Mean over nodes of each node's lowest heap-used sample in the minute: the heap after its GCs. */
  readonly heapAfterGcBytes: number;
  readonly residentBytes: number;
  readonly externalBytes: number;
  /** At the minute's end, as RSS, mean over nodes: the prover workers' heaps (reserved), and the wasm memories' resident pages. */
  readonly workerHeapBytes: number;
  readonly wasmResidentBytes: number;
  /**
   * RSS less the V8 heaps (the main isolate's and the workers', as reserved) and the wasm
   * memories' resident pages: Buffers and ArrayBuffers, LevelDB, libp2p's and Node's native
   * allocations, code, stacks, the allocator's fragmentation, and the heap pages V8 keeps
   * resident beyond the total it reports (its high-water mark: v8PageBytes against v8HeapTotalBytes).
   */
  readonly nativeBytes: number;
  /** The native part by kind of mapping, at the minute's end, mean over nodes. */
  readonly brkBytes: number;
  readonly arenaBytes: number;
  /** Resident V8 heap pages (smaps), against what the isolates report as their heaps' total. */
  readonly v8PageBytes: number;
  readonly v8HeapTotalBytes: number;
  readonly codeBytes: number;
  readonly fileBytes: number;
  readonly otherAnonBytes: number;
  readonly workerExternalBytes: number;
  readonly dbBytes: number;
  readonly openFiles: number;
}

function minuteRows(samples: readonly Sample[], startedMs: number): MinuteRow[] {
  const byMinute = new Map<number, Sample[]>();
  for (const s of samples) {
    const minute = Math.floor((s.atMs - startedMs) / 60_000);
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), s]);
  }
  const rows: MinuteRow[] = [];
  for (const [minute, inMinute] of [...byMinute].sort(([a], [b]) => a - b)) {
    const members = [...new Set(inMinute.map((s) => s.member))];
    const perMember = members.map((member) => inMinute.filter((s) => s.member === member));
    const first = perMember[0]!;
    rows.push({
      minute,
      txs: first.at(-1)!.committedTxs - first[0]!.committedTxs,
      blocks: first.at(-1)!.height - first[0]!.height,
      heapAfterGcBytes: mean(perMember.map((list) => Math.min(...list.map((s) => s.heapUsedBytes)))),
      residentBytes: mean(perMember.map((list) => list.at(-1)!.residentBytes)),
      externalBytes: mean(perMember.map((list) => Math.min(...list.map((s) => s.externalBytes)))),
      workerHeapBytes: mean(perMember.map((list) => list.at(-1)!.workerHeapTotalBytes)),
      wasmResidentBytes: mean(perMember.map((list) => list.at(-1)!.resident.wasmResidentBytes)),
      nativeBytes: mean(perMember.map((list) => native(list.at(-1)!))),
      brkBytes: mean(perMember.map((list) => list.at(-1)!.resident.brkBytes)),
      arenaBytes: mean(perMember.map((list) => list.at(-1)!.resident.arenaBytes)),
      v8PageBytes: mean(perMember.map((list) => list.at(-1)!.resident.v8PageBytes)),
      v8HeapTotalBytes: mean(perMember.map((list) => list.at(-1)!.heapTotalBytes + list.at(-1)!.workerHeapTotalBytes)),
      codeBytes: mean(perMember.map((list) => list.at(-1)!.resident.codeBytes)),
      fileBytes: mean(perMember.map((list) => list.at(-1)!.resident.fileBytes)),
      otherAnonBytes: mean(perMember.map((list) => list.at(-1)!.resident.otherAnonBytes)),
      workerExternalBytes: mean(perMember.map((list) => list.at(-1)!.workerExternalBytes)),
      dbBytes: mean(perMember.map((list) => list.at(-1)!.dbBytes)),
      openFiles: mean(perMember.map((list) => list.at(-1)!.openFiles)),
    });
  }
  return rows;
}

export async function runSoakBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-soak-'));
  const launcher = startLauncherProcess(['--members', String(MEMBERS), '--dir', dir, '--keys', KEYS, '--circuits', CIRCUITS, '--no-traffic', '--no-dashboard']);
  try {
    await waitForEndpoints(dir, launcher, 1_800_000);
    const endpoints = await readDevnetEndpoints(join(dir, 'endpoints.json'));
    const nodes = await memberNodes(join(dir, 'endpoints.json'));
    console.log(`soak: ${MEMBERS} members (${CIRCUITS}), ${RECORDS} records per direction and period, ${MINUTES} min of settlement load; nodes, prover pools and this generator on this machine`);
    const samples: Sample[] = [];
    const startedMs = Date.now();
    const endMs = startedMs + MINUTES * 60_000;
    const sampler = setInterval(() => {
      void Promise.all(endpoints.members.map(sample)).then((taken) => samples.push(...taken.filter((s): s is Sample => s !== null)));
    }, SAMPLE_EVERY_MS);
    const log = pino({ level: 'warn' });
    let periods = 0;
    let records = 0;
    let statements = 0;
    try {
      while (Date.now() < endMs) {
        const summaries = await runTraffic({
          nodes,
          options: { ...TRAFFIC_DEFAULTS, periods: 1, recordsPerDirection: RECORDS, firstPeriod: addMonths(FIRST_PERIOD, periods) },
          log,
          signal: new AbortController().signal,
        });
        periods += 1;
        for (const summary of summaries) {
          records += summary.records;
          statements += summary.statements;
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const elapsedMs = Date.now() - startedMs;
    console.log(`soak: ${periods} periods settled in ${(elapsedMs / 60_000).toFixed(1)} min: ${records.toLocaleString('en-US')} usage records, ${statements} statements`);
    const rows = minuteRows(samples, startedMs).filter((row) => row.minute < MINUTES);
    console.log('  min | txs | blocks | heap after GC MiB | external MiB (min) | RSS MiB | of it: workers\' heaps | wasm | native | LevelDB MiB | open files');
    for (const row of rows) {
      const memory = [row.heapAfterGcBytes, row.externalBytes, row.residentBytes, row.workerHeapBytes, row.wasmResidentBytes, row.nativeBytes].map(mib).join(' | ');
      console.log(`  ${row.minute + 1} | ${row.txs} | ${row.blocks} | ${memory} | ${mib(row.dbBytes)} | ${row.openFiles.toFixed(0)}`);
    }
    // Trends after the first two minutes (warm-up: JIT, caches, the first LevelDB compactions).
    const steady = rows.filter((row) => row.minute >= 2);
    const trend = (pick: (row: MinuteRow) => number) => slope(steady.map((row) => [row.minute, pick(row)] as const));
    const txsPerMinute = steady.map((row) => row.txs);
    console.log(`  throughput after warm-up: ${mean(txsPerMinute).toFixed(0)} txs/min (min ${Math.min(...txsPerMinute)}, max ${Math.max(...txsPerMinute)}), trend ${trend((row) => row.txs).toFixed(1)} txs/min per minute`);
    console.log(`  heap after GC: trend ${mib(trend((row) => row.heapAfterGcBytes))} MiB per minute; external ${mib(trend((row) => row.externalBytes))} MiB per minute; RSS ${mib(trend((row) => row.residentBytes))} MiB per minute`);
    /** "whole / last half" trends of one figure, MiB per minute. */
    const trends = (pick: (row: MinuteRow) => number) => `${mib(trend(pick))} / ${lastHalfTrend(steady, pick)}`;
    console.log(`  RSS trend over the last half only: ${lastHalfTrend(steady, (row) => row.residentBytes)} MiB per minute (a high-water mark levels off; a leak does not)`);
    console.log("  RSS by kind of mapping (MiB at each minute's end, mean of the nodes; /proc/<pid>/smaps): min | glibc main heap | glibc arenas | V8 pages resident | V8 heaps' total (main + workers) | code | files | other anonymous (large objects, mmap'd chunks, stacks) | workers' external (wasm at full size, buffers)");
    for (const row of rows) console.log(`  ${row.minute + 1} | ${[row.brkBytes, row.arenaBytes, row.v8PageBytes, row.v8HeapTotalBytes, row.codeBytes, row.fileBytes, row.otherAnonBytes, row.workerExternalBytes].map(mib).join(' | ')}`);
    console.log(
      `  where RSS goes, trends whole / last half (MiB per minute): workers' heaps ${trends((row) => row.workerHeapBytes)}; wasm memories ${trends((row) => row.wasmResidentBytes)}; native ${trends((row) => row.nativeBytes)}`,
    );
    console.log(
      `  by kind of mapping, trends whole / last half (MiB per minute): glibc main heap ${trends((row) => row.brkBytes)}; glibc arenas ${trends((row) => row.arenaBytes)}; V8 pages ${trends((row) => row.v8PageBytes)} (their total ${trends((row) => row.v8HeapTotalBytes)}); code ${trends((row) => row.codeBytes)}; other anonymous ${trends((row) => row.otherAnonBytes)}; workers' external ${trends((row) => row.workerExternalBytes)}`,
    );
    // Per node: the mean over five can hide one process that grows (the creditors' provers).
    for (const member of [...new Set(samples.map((s) => s.member))].sort()) {
      const ownSamples = samples.filter((s) => s.member === member);
      // The table's rows of this node alone: its RSS at the end of each minute.
      const own = minuteRows(ownSamples, startedMs).filter((row) => row.minute >= 2 && row.minute < MINUTES);
      const threads = ownSamples.map((s) => s.threads);
      const last = ownSamples.at(-1);
      const releases = last === undefined || last.memoryReleases === 0 ? 'no memory release' : `${last.memoryReleases} memory releases, ${(last.memoryReleaseSeconds * 1000 / last.memoryReleases).toFixed(0)} ms pause each`;
      console.log(
        `  RSS of ${member}: ${mib(own[0]?.residentBytes ?? Number.NaN)} MiB at minute 3, ${mib(own.at(-1)?.residentBytes ?? Number.NaN)} MiB at the end; last half ${lastHalfTrend(own, (row) => row.residentBytes)} MiB per minute (native ${lastHalfTrend(own, (row) => row.nativeBytes)}); wasm ${mib(own.at(-1)?.wasmResidentBytes ?? Number.NaN)} MiB at the end; threads ${threads[0]} first, ${threads.at(-1)} last, ${Math.max(...threads)} at most; ${releases}`,
      );
    }
    const txsSteady = steady.reduce((sum, row) => sum + row.txs, 0);
    const dbGrowth = (steady.at(-1)?.dbBytes ?? 0) - (steady[0]?.dbBytes ?? 0);
    console.log(`  LevelDB: ${mib(trend((row) => row.dbBytes))} MiB per minute, ${txsSteady === 0 ? 'n/a' : (dbGrowth / txsSteady).toFixed(0)} bytes per committed tx`);
    console.log(`  open files: trend ${trend((row) => row.openFiles).toFixed(2)} per minute (first ${steady[0]?.openFiles.toFixed(0) ?? '?'}, last ${steady.at(-1)?.openFiles.toFixed(0) ?? '?'})`);
  } finally {
    launcher.child.kill('SIGINT');
    await launcher.exited;
    await rm(dir, { recursive: true, force: true });
  }
}
