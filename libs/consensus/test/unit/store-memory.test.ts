import { afterEach, describe, expect, it, vi } from 'vitest';
import { txHash } from '../../src/block.js';
import { BUCKET_PREFIX, MemoryChainStore, MemoryDbController, type DbOperation, type DbWriteOptions } from '../../src/store/index.js';
import { describeChainStoreBehaviour } from './store-behaviour.js';
import { memoryHarness } from './store-memory-harness.js';
import { committedBytes, fromUtf8, heightKey, TEST_LIMITS, TestChain, testTx, utf8 } from './store-fixtures.js';

describeChainStoreBehaviour('MemoryChainStore', memoryHarness);

describe('MemoryChainStore.crashCopy', () => {
  const store = () => new MemoryChainStore({ limits: TEST_LIMITS });

  it('loses the WAL entries written without sync after the last synced write, when asked to', async () => {
    const original = store();
    await original.appendWal(1, utf8('synced'), true);
    await original.appendWal(1, utf8('unsynced-1'), false);
    await original.appendWal(1, utf8('unsynced-2'), false);
    expect(original.unsyncedWriteCount).toBe(2);
    expect((await original.crashCopy({ loseUnsyncedWal: true }).readWal(1)).map(fromUtf8)).toEqual(['synced']);
    expect((await original.crashCopy({ loseUnsyncedWal: false }).readWal(1)).map(fromUtf8)).toEqual(['synced', 'unsynced-1', 'unsynced-2']);
  });

  it('keeps an unsynced entry once any later write is synced, as LevelDB does', async () => {
    const original = store();
    await original.appendWal(1, utf8('input'), false);
    await original.appendWal(1, utf8('own vote'), true);
    expect(original.unsyncedWriteCount).toBe(0);
    expect((await original.crashCopy({ loseUnsyncedWal: true }).readWal(1)).map(fromUtf8)).toEqual(['input', 'own vote']);
  });

  it('always keeps blocks, certificates, the tx index, the latest height and snapshots', async () => {
    const original = store();
    const chain = new TestChain();
    const blocks = chain.many(3);
    for (const committed of blocks) await original.saveCommittedBlock(committed);
    await original.saveAppSnapshot(3, utf8('state-3'));
    await original.appendWal(4, utf8('lost'), false);
    for (const loseUnsyncedWal of [true, false]) {
      const survivor = original.crashCopy({ loseUnsyncedWal });
      expect(survivor.latestHeight()).toBe(3);
      expect(committedBytes(await survivor.getCommittedBlock(2))).toEqual(committedBytes(blocks[1]!));
      expect(await survivor.findTx(txHash(blocks[2]!.block.txs[0]!))).toEqual({ height: 3, index: 0 });
      expect(fromUtf8((await survivor.latestAppSnapshot())!.snapshot)).toBe('state-3');
      expect(await survivor.readWal(4)).toHaveLength(loseUnsyncedWal ? 0 : 1);
      // The restarted node carries on from the stored head.
      await survivor.saveCommittedBlock(new TestChain().many(4)[3]!);
      expect(survivor.latestHeight()).toBe(4);
    }
  });

  it('brings back WAL entries whose unsynced prune was lost', async () => {
    const original = store();
    await original.appendWal(1, utf8('old'), true);
    await original.pruneWal(2);
    expect(await original.readWal(1)).toEqual([]);
    expect((await original.crashCopy({ loseUnsyncedWal: true }).readWal(1)).map(fromUtf8)).toEqual(['old']);
    expect(await original.crashCopy({ loseUnsyncedWal: false }).readWal(1)).toEqual([]);
  });

  it('continues WAL sequence numbers after the surviving entries', async () => {
    const original = store();
    await original.appendWal(5, utf8('a'), true);
    await original.appendWal(5, utf8('b'), true);
    await original.appendWal(5, utf8('lost'), false);
    const survivor = original.crashCopy({ loseUnsyncedWal: true });
    await survivor.appendWal(5, utf8('c'), true);
    await survivor.appendWal(5, utf8('d'), false);
    expect((await survivor.readWal(5)).map(fromUtf8)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves the original usable and independent of its copy', async () => {
    const original = store();
    await original.appendWal(1, utf8('shared'), true);
    const copy = original.crashCopy({ loseUnsyncedWal: false });
    await original.appendWal(1, utf8('original only'), true);
    await copy.appendWal(1, utf8('copy only'), true);
    expect((await original.readWal(1)).map(fromUtf8)).toEqual(['shared', 'original only']);
    expect((await copy.readWal(1)).map(fromUtf8)).toEqual(['shared', 'copy only']);
    await original.close();
    // A crash copy of a closed store (the dead process) still opens.
    expect((await original.crashCopy({ loseUnsyncedWal: true }).readWal(1)).map(fromUtf8)).toEqual(['shared', 'original only']);
  });

  it('keeps its bytes when the caller reuses its buffers', async () => {
    const original = store();
    const entry = utf8('entry');
    await original.appendWal(1, entry, true);
    entry.fill(0);
    const [read] = await original.readWal(1);
    read!.fill(0);
    expect((await original.readWal(1)).map(fromUtf8)).toEqual(['entry']);
  });
});

/** Records every batch written, to see which writes share one atomic batch. */
class RecordingController extends MemoryDbController {
  readonly batches: (readonly DbOperation[])[] = [];

  override batch(operations: readonly DbOperation[], options: DbWriteOptions): Promise<void> {
    this.batches.push([...operations]);
    return super.batch(operations, options);
  }
}

describe('pending transactions and the block that commits them', () => {
  it("deletes a block's pending transactions in the block's own synced batch: no crash can leave a committed transaction pending", async () => {
    const memory = new RecordingController();
    const store = new MemoryChainStore({ limits: TEST_LIMITS }, memory);
    const [committed, waiting] = [testTx('committed'), testTx('waiting')];
    await store.savePendingTxs([committed, waiting], true);
    memory.batches.length = 0;
    await store.saveCommittedBlock(new TestChain().next([committed]));
    expect(memory.batches).toHaveLength(1);
    const written = memory.batches[0]!.map((operation) => `${operation.type} ${Buffer.from(operation.key).toString('hex')}`);
    expect(written).toContain(`put ${Buffer.from(heightKey(BUCKET_PREFIX.blocks, 1)).toString('hex')}`);
    expect(written).toContain(`del ${Buffer.from(Uint8Array.of(BUCKET_PREFIX.pending_txs, ...txHash(committed))).toString('hex')}`);
    // What a power loss right after the commit leaves.
    expect(await store.crashCopy({ loseUnsyncedWal: true }).listPendingTxs(10, 1_000_000)).toEqual([waiting]);
  });

  it('keeps pending transactions saved with sync through a power loss', async () => {
    const store = new MemoryChainStore({ limits: TEST_LIMITS });
    await store.appendWal(1, utf8('synced'), true);
    await store.savePendingTxs([testTx('acknowledged')], true);
    expect(await store.crashCopy({ loseUnsyncedWal: true }).listPendingTxs(10, 1_000_000)).toEqual([testTx('acknowledged')]);
  });
});

describe('MemoryChainStore determinism', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles every operation through microtasks only: no timer ever needs to fire', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'Date', 'performance'] });
    const memory = store();
    const chain = new TestChain();
    for (const committed of chain.many(5)) await memory.saveCommittedBlock(committed);
    await memory.saveAppSnapshot(5, utf8('s'));
    await memory.appendWal(6, utf8('w'), false);
    await memory.pruneWal(6);
    expect((await memory.getCommittedBlocks(1, 10, 1_000_000)).length).toBe(5);
    expect(await memory.findTx(txHash(testTx('tx-3-1')))).toEqual({ height: 3, index: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  function store() {
    return new MemoryChainStore({ limits: TEST_LIMITS });
  }
});
