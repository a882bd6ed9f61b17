/**
 * Where a process's resident memory sits, from /proc/<pid>/smaps: the part in WebAssembly
 * memories (the prover's curve and witness calculators) apart from the rest. V8 reserves each
 * wasm memory as an accessible mapping (the memory's current size) followed directly by a guard
 * region of several GiB that is never accessible; the accessible mapping's Rss is what the wasm
 * memory holds resident. V8's own figures count the whole current size, touched or not.
 */
export interface ResidentSplit {
  readonly residentBytes: number;
  /** Resident pages of wasm memories. */
  readonly wasmResidentBytes: number;
  readonly wasmMemories: number;
}

/** A guard region is at least this large (V8 reserves 8 GiB and more per 32-bit wasm memory on 64-bit hosts). */
const GUARD_MIN_BYTES = 2n ** 32n;

interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  rssBytes: number;
}

export function splitResident(smaps: string): ResidentSplit {
  const mappings: Mapping[] = [];
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) /.exec(line);
    if (header !== null) {
      mappings.push({ start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3]!, rssBytes: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && mappings.length > 0) mappings.at(-1)!.rssBytes = Number(rss[1]) * 1024;
  }
  let wasmResidentBytes = 0;
  let wasmMemories = 0;
  for (const [index, mapping] of mappings.entries()) {
    const next = mappings[index + 1];
    const guarded = next !== undefined && next.start === mapping.end && next.perms.startsWith('---') && next.end - next.start >= GUARD_MIN_BYTES;
    if (guarded && mapping.perms.startsWith('rw')) {
      wasmResidentBytes += mapping.rssBytes;
      wasmMemories += 1;
    }
  }
  return { residentBytes: mappings.reduce((sum, mapping) => sum + mapping.rssBytes, 0), wasmResidentBytes, wasmMemories };
}
