/**
 * Where a process's resident memory sits, from /proc/<pid>/smaps, by kind of mapping:
 *   wasm        WebAssembly memories (the prover's curve, witness calculators): V8 reserves each
 *               as an accessible mapping (the memory's current size) followed directly by a guard
 *               region of several GiB that is never accessible. V8's own figures count the whole
 *               current size, touched or not; Rss is what the memory holds resident.
 *   brk         glibc's main malloc arena (`[heap]`): the main thread's native allocations.
 *   arenas      glibc's other malloc arenas: each a 64 MiB reservation, its used part
 *               accessible and the rest not, the two mappings adjacent (threads' allocations).
 *   v8Pages     anonymous read-write mappings laid out as V8's heap pages: aligned to 256 KiB and
 *               a multiple of it, up to 2 MiB (a page is 256 KiB; adjacent pages merge into one
 *               mapping). Node's build has no pointer-compression cage, so each page is a mapping
 *               of its own. Compared with the isolates' heapTotal, it shows the pages V8
 *               keeps resident beyond what it counts.
 *   code        anonymous executable mappings: V8's JIT and wasm code.
 *   files       mappings of files: the node binary, shared libraries, LevelDB's tables.
 *   otherAnon   every other anonymous mapping: V8's large-object pages, large malloc chunks
 *               (mmap'd), thread stacks.
 */
export interface ResidentSplit {
  readonly residentBytes: number;
  /** Resident pages of wasm memories. */
  readonly wasmResidentBytes: number;
  readonly wasmMemories: number;
  readonly brkBytes: number;
  readonly arenaBytes: number;
  readonly arenas: number;
  readonly v8PageBytes: number;
  readonly codeBytes: number;
  readonly fileBytes: number;
  readonly otherAnonBytes: number;
}

/** A wasm memory's guard region is at least this large (V8 reserves 8 GiB and more per 32-bit memory on 64-bit hosts). */
const GUARD_MIN_BYTES = 2n ** 32n;
/** glibc's HEAP_MAX_SIZE on 64-bit hosts: each non-main arena reserves this much, aligned to it. */
const ARENA_RESERVATION_BYTES = 64n * 2n ** 20n;
/** V8's regular heap page (kRegularPageSize), to which each page's mapping is aligned. */
const V8_PAGE_BYTES = 256n * 1024n;
/** Adjacent pages merge into one mapping; beyond this a mapping is something else (a thread's stack, a large chunk). */
const V8_PAGES_MERGED_MAX_BYTES = 2n * 2n ** 20n;

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly path: string;
  rssBytes: number;
}

function readMappings(smaps: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      mappings.push({ start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3]!, path: header[4]!.trim(), rssBytes: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && mappings.length > 0) mappings.at(-1)!.rssBytes = Number(rss[1]) * 1024;
  }
  return mappings;
}

export function splitResident(smaps: string): ResidentSplit {
  const mappings = readMappings(smaps);
  const split = { residentBytes: 0, wasmResidentBytes: 0, wasmMemories: 0, brkBytes: 0, arenaBytes: 0, arenas: 0, v8PageBytes: 0, codeBytes: 0, fileBytes: 0, otherAnonBytes: 0 };
  for (const [index, mapping] of mappings.entries()) {
    split.residentBytes += mapping.rssBytes;
    const next = mappings[index + 1];
    const reservedAfter = next !== undefined && next.start === mapping.end && next.perms.startsWith('---') && next.path === '' ? next.end - next.start : 0n;
    const anonymous = mapping.path === '';
    if (anonymous && mapping.perms.startsWith('rw') && reservedAfter >= GUARD_MIN_BYTES) {
      split.wasmResidentBytes += mapping.rssBytes;
      split.wasmMemories += 1;
    } else if (anonymous && mapping.perms.startsWith('rw') && mapping.start % ARENA_RESERVATION_BYTES === 0n && mapping.end - mapping.start + reservedAfter === ARENA_RESERVATION_BYTES) {
      split.arenaBytes += mapping.rssBytes;
      split.arenas += 1;
    } else if (mapping.path === '[heap]') split.brkBytes += mapping.rssBytes;
    else if (anonymous && mapping.perms === 'rw-p' && isV8PageLayout(mapping)) split.v8PageBytes += mapping.rssBytes;
    else if (anonymous && mapping.perms[2] === 'x') split.codeBytes += mapping.rssBytes;
    else if (mapping.path.startsWith('/')) split.fileBytes += mapping.rssBytes;
    else split.otherAnonBytes += mapping.rssBytes;
  }
  return split;
}

function isV8PageLayout(mapping: Mapping): boolean {
  const size = mapping.end - mapping.start;
  return mapping.start % V8_PAGE_BYTES === 0n && size % V8_PAGE_BYTES === 0n && size <= V8_PAGES_MERGED_MAX_BYTES;
}
