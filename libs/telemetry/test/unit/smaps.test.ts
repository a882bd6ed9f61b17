import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { splitResident } from '../../src/memory/smaps.js';

const MiB = 2 ** 20;
/** WebAssembly's Memory: this package's type libraries do not declare it (no DOM lib). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

describe('splitResident (/proc/<pid>/smaps)', () => {
  it("tells glibc's arenas, its main heap, code and files apart", () => {
    const smaps = [
      // An arena: 64 MiB aligned, 2 MiB of it in use, the rest reserved.
      '7f1004000000-7f1004200000 rw-p 00000000 00:00 0',
      'Rss:                1024 kB',
      '7f1004200000-7f1008000000 ---p 00000000 00:00 0',
      'Rss:                   0 kB',
      '55d000000000-55d000400000 rw-p 00000000 00:00 0                          [heap]',
      'Rss:                4096 kB',
      '7f2000000000-7f2000100000 rwxp 00000000 00:00 0',
      'Rss:                 256 kB',
      '7f3000000000-7f3000100000 r--p 00000000 08:01 123                        /usr/lib/libc.so.6',
      'Rss:                 128 kB',
    ].join('\n');
    expect(splitResident(smaps)).toEqual({
      residentBytes: (1024 + 4096 + 256 + 128) * 1024,
      wasmResidentBytes: 0,
      wasmMemories: 0,
      brkBytes: 4096 * 1024,
      arenaBytes: 1024 * 1024,
      arenas: 1,
      v8PageBytes: 0,
      codeBytes: 256 * 1024,
      fileBytes: 128 * 1024,
      otherAnonBytes: 0,
    });
  });

  it("counts V8's heap pages (256 KiB aligned, single or merged) apart from other anonymous mappings", () => {
    const smaps = [
      // One page, and two adjacent ones merged.
      '7f4000040000-7f4000080000 rw-p 00000000 00:00 0',
      'Rss:                 256 kB',
      '7f4000100000-7f4000180000 rw-p 00000000 00:00 0',
      'Rss:                 300 kB',
      // 256 KiB but not aligned to it (a malloc chunk), and 8 MiB aligned (a thread's stack).
      '7f4000201000-7f4000241000 rw-p 00000000 00:00 0',
      'Rss:                 256 kB',
      '7f4001000000-7f4001800000 rw-p 00000000 00:00 0',
      'Rss:                 100 kB',
    ].join('\n');
    expect(splitResident(smaps)).toMatchObject({ v8PageBytes: (256 + 300) * 1024, otherAnonBytes: (256 + 100) * 1024 });
  });

  it("counts a wasm memory's touched pages as wasm, and not its untouched ones", async () => {
    const before = splitResident(await readFile('/proc/self/smaps', 'utf8'));
    const memory = new WebAssembly.Memory({ initial: 1024 }); // 64 MiB
    new Uint8Array(memory.buffer).fill(1, 0, 32 * MiB);
    const after = splitResident(await readFile('/proc/self/smaps', 'utf8'));
    expect(after.wasmMemories).toBe(before.wasmMemories + 1);
    const grown = after.wasmResidentBytes - before.wasmResidentBytes;
    expect(grown).toBeGreaterThanOrEqual(32 * MiB);
    expect(grown).toBeLessThan(64 * MiB);
    expect(after.residentBytes).toBeGreaterThan(after.wasmResidentBytes);
  });

  it('counts an accessible mapping only when a guard region follows it directly', () => {
    const smaps = [
      '7f0000000000-7f0000100000 rw-p 00000000 00:00 0',
      'Rss:                 512 kB',
      '7f0000100000-7f0200100000 ---p 00000000 00:00 0',
      'Rss:                   0 kB',
      // A writable mapping before a small inaccessible one (a thread stack's guard page): not wasm.
      '7f0300000000-7f0300800000 rw-p 00000000 00:00 0',
      'Rss:                2048 kB',
      '7f0300800000-7f0300801000 ---p 00000000 00:00 0',
      'Rss:                   0 kB',
    ].join('\n');
    expect(splitResident(smaps)).toMatchObject({ residentBytes: 2560 * 1024, wasmResidentBytes: 512 * 1024, wasmMemories: 1, otherAnonBytes: 2048 * 1024 });
  });
});
