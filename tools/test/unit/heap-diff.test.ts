import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffByGroup, newObjectsByHolder, nodeWithId, parseHeapSnapshot, retainedSize, type HeapSnapshot } from '../../src/heap-diff/snapshot.js';

const run = promisify(execFile);

/**
 * A real Node.js process writes two real heap snapshots: between them it puts 3,000 `Held`
 * objects in a map on a global, and allocates 3,000 `Dropped` objects it lets go of.
 */
const SCRIPT = `
const v8 = require('node:v8');
class Held { constructor(i) { this.i = i; this.label = 'held-' + i; } }
class Dropped { constructor(i) { this.i = i; } }
globalThis.heldById = new Map();
v8.writeHeapSnapshot(process.argv[1]);
// In functions that have returned: a top-level loop's last object could stay reachable from the
// script's own frame as well, and one Held in 3,000 was then attributed to another holder.
(function hold() { for (let i = 0; i < 3000; i++) globalThis.heldById.set('k' + i, new Held(i)); })();
(function drop() { const dropped = []; for (let i = 0; i < 3000; i++) dropped.push(new Dropped(i)); })();
v8.writeHeapSnapshot(process.argv[2]);
`;

describe('heap snapshot diff', () => {
  let dir: string;
  let before: HeapSnapshot;
  let after: HeapSnapshot;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heap-diff-test-'));
    const files = [join(dir, 'before.heapsnapshot'), join(dir, 'after.heapsnapshot')] as const;
    await run(process.execPath, ['-e', SCRIPT, files[0], files[1]], { env: { ...process.env, NODE_OPTIONS: '' } });
    before = parseHeapSnapshot(await readFile(files[0], 'utf8'));
    after = parseHeapSnapshot(await readFile(files[1], 'utf8'));
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the objects that grew by constructor, and not the ones collected', () => {
    const rows = diffByGroup(before, after);
    const held = rows.find((row) => row.group === 'Held')!;
    expect(held.countBefore).toBe(0);
    expect(held.countAfter).toBe(3000);
    expect(held.bytesAfter).toBeGreaterThan(0);
    // Largest growth first: the 3,000 objects are among the top groups.
    expect(rows.slice(0, 10).map((row) => row.group)).toContain('Held');
    expect(rows.find((row) => row.group === 'Dropped')?.countAfter ?? 0).toBe(0);
  });

  it('names the surviving map that holds the new objects and the path to it', () => {
    const holders = newObjectsByHolder(before, after);
    const holder = holders.find((h) => h.byGroup.some((g) => g.group === 'Held'))!;
    expect(holder.holderGroup).toBe('Map');
    expect(holder.path).toContain('.heldById');
    expect(holder.byGroup.find((g) => g.group === 'Held')!.count).toBe(3000);
    // The 3,000 keys are new strings under the same map.
    expect(holder.byGroup.find((g) => g.group === '(string)')!.count).toBeGreaterThanOrEqual(3000);
    // No other holder has any of them.
    expect(holders.filter((h) => h.byGroup.some((g) => g.group === 'Held'))).toHaveLength(1);
  });

  it("gives the map's retained size in both snapshots: empty, then its entries, keys and their strings", () => {
    const holder = newObjectsByHolder(before, after).find((h) => h.byGroup.some((g) => g.group === 'Held'))!;
    const heldBytes = diffByGroup(before, after).find((row) => row.group === 'Held')!.bytesAfter;
    const retainedAfter = retainedSize(after, holder.holder);
    const retainedBefore = retainedSize(before, nodeWithId(before, after.nodeId[holder.holder]!));
    expect(retainedBefore.count).toBeLessThan(10);
    // 3,000 Held, 3,000 keys, 3,000 labels (a few short strings may be shared), the table.
    expect(retainedAfter.count).toBeGreaterThan(8_000);
    expect(retainedAfter.bytes).toBeGreaterThan(heldBytes + retainedBefore.bytes);
    expect(retainedAfter.bytes).toBeLessThanOrEqual(holder.newBytes + retainedBefore.bytes);
  });
});
