// What grew between two heap snapshots of one process, and what holds it:
//   npx tsx tools/src/heap-diff/cli.ts <before.heapsnapshot> <after.heapsnapshot> [--top N] [--per N --per-label txs]
// Take the snapshots from a running node started with
//   NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/heap-snaps"
// by `kill -USR2 <pid>` twice, minutes apart (V8 runs a full GC before each snapshot, so both
// hold live objects only). Large snapshots need room to parse: run it under
// `NODE_OPTIONS=--max-old-space-size=6144`. Prints
//   1. the groups (constructors, or kinds like "(string)") whose count or self size grew, and
//   2. the objects allocated in between, by the surviving object that holds them, with the
//      shortest path from the root to that holder and the new objects' groups under it.
// Each holder's retained size (what only it keeps alive) is given in both snapshots: the new
// objects under it less the ones it let go of (a record replaced, an entry evicted).
// With `--per N` (say, the transactions committed between the snapshots) each growth is also
// given per one of those N. Only the same process's snapshots can be compared (ids are per process).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { diffByGroup, newObjectsByHolder, nodeWithId, parseHeapSnapshot, retainedSize } from './snapshot.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, per: { type: 'string' }, 'per-label': { type: 'string', default: 'unit' } },
});
const [beforeFile, afterFile] = positionals;
if (beforeFile === undefined || afterFile === undefined) throw new Error('usage: heap-diff <before.heapsnapshot> <after.heapsnapshot> [--top N] [--per N --per-label txs]');
const top = Number(values.top);
const per = values.per === undefined ? null : Number(values.per);
const perLabel = values['per-label'];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const perUnit = (bytes: number) => (per === null || per === 0 ? '' : `  ${(bytes / per).toFixed(0)} B/${perLabel}`);

const before = parseHeapSnapshot(await readFile(beforeFile, 'utf8'));
const after = parseHeapSnapshot(await readFile(afterFile, 'utf8'));
const total = (s: typeof before) => s.selfSize.reduce((sum, size) => sum + size, 0);
console.log(`before: ${before.nodeCount.toLocaleString('en-US')} objects, ${kib(total(before))}; after: ${after.nodeCount.toLocaleString('en-US')} objects, ${kib(total(after))}; growth ${kib(total(after) - total(before))}${perUnit(total(after) - total(before))}`);

console.log(`\ngroups that grew most (self sizes):`);
console.log('  bytes delta | count delta | count before -> after | group');
for (const row of diffByGroup(before, after).slice(0, top)) {
  const delta = row.bytesAfter - row.bytesBefore;
  console.log(`  ${kib(delta).padStart(12)} | ${String(row.countAfter - row.countBefore).padStart(8)} | ${row.countBefore} -> ${row.countAfter} | ${row.group}${perUnit(delta)}`);
}

const holders = newObjectsByHolder(before, after);
const newBytes = holders.reduce((sum, h) => sum + h.newBytes, 0);
const newCount = holders.reduce((sum, h) => sum + h.newCount, 0);
console.log(`\nobjects allocated in between and still live: ${newCount.toLocaleString('en-US')}, ${kib(newBytes)}${perUnit(newBytes)}; by holder (the nearest object both snapshots have):`);
for (const holder of holders.slice(0, top)) {
  const id = after.nodeId[holder.holder]!;
  // What the holder keeps alive in each snapshot: the new objects less the ones it let go of.
  const retainedBefore = retainedSize(before, nodeWithId(before, id));
  const retainedAfter = retainedSize(after, holder.holder);
  const retainedGrowth = retainedAfter.bytes - retainedBefore.bytes;
  console.log(`\n  ${kib(holder.newBytes)} in ${holder.newCount} new objects${perUnit(holder.newBytes)}, held by ${holder.holderGroup} (@${id})`);
  console.log(`    retains ${kib(retainedBefore.bytes)} (${retainedBefore.count} objects) -> ${kib(retainedAfter.bytes)} (${retainedAfter.count}): ${kib(retainedGrowth)}${perUnit(retainedGrowth)}`);
  console.log(`    path: ${holder.path}`);
  console.log(`    ${holder.byGroup.slice(0, 6).map((g) => `${g.group} ${g.count} ${kib(g.bytes)}`).join('; ')}`);
}
