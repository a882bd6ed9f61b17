import { describe, expect, it } from 'vitest';
import { txHash } from '../../src/block.js';
import { toHex } from '../../src/crypto/hash.js';
import { PendingTxJournal } from '../../src/node/pending-tx-journal.js';
import type { ChainStorePort } from '../../src/node/ports.js';
import { asText, text } from './mempool-fakes.js';

/** The two store writes the journal makes, recorded; each write waits until the test releases it. */
class RecordingStore implements Pick<ChainStorePort, 'savePendingTxs' | 'deletePendingTxs'> {
  readonly writes: string[] = [];
  failNext: Error | null = null;
  private releases: (() => void)[] = [];

  savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void> {
    this.writes.push(`save${sync ? ' synced' : ''} ${txs.map(asText).join(',')}`);
    return this.settle();
  }

  deletePendingTxs(hashes: readonly Uint8Array[]): Promise<void> {
    this.writes.push(`delete ${hashes.map((hash) => toHex(hash).slice(0, 8)).join(',')}`);
    return this.settle();
  }

  /** Lets the write in flight finish. */
  release(): void {
    const releases = this.releases;
    this.releases = [];
    for (const release of releases) release();
  }

  private settle(): Promise<void> {
    const failure = this.failNext;
    this.failNext = null;
    return new Promise<void>((resolve, reject) => this.releases.push(() => (failure === null ? resolve() : reject(failure))));
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function journal(store: RecordingStore, limits = { batchMaxTxs: 100, batchMaxBytes: 1_000 }) {
  const deleteFailures: number[] = [];
  return { journal: new PendingTxJournal(store, { sync: true, limits, onDeleteFailed: (_error, txs) => deleteFailures.push(txs) }), deleteFailures };
}

describe('PendingTxJournal', () => {
  it('writes the saves of one turn as one synced batch, and those made meanwhile as the next', async () => {
    const store = new RecordingStore();
    const { journal: j } = journal(store);
    const settled: string[] = [];
    const first = ['a', 'b', 'c'].map((label) => j.save(text(label)).then(() => settled.push(label)));
    await flush();
    expect(store.writes).toEqual(['save synced a,b,c']);
    // While the first batch is being written.
    const second = ['d', 'e'].map((label) => j.save(text(label)).then(() => settled.push(label)));
    await flush();
    expect(store.writes).toEqual(['save synced a,b,c']);
    expect(settled).toEqual([]);
    store.release();
    await Promise.all(first);
    await flush();
    expect(settled).toEqual(['a', 'b', 'c']);
    expect(store.writes).toEqual(['save synced a,b,c', 'save synced d,e']);
    store.release();
    await Promise.all(second);
    await j.idle();
  });

  it('splits a burst into batches within the count and byte limits, at least one transaction each', async () => {
    const store = new RecordingStore();
    const { journal: j } = journal(store, { batchMaxTxs: 3, batchMaxBytes: 10 });
    const saves = ['a', 'b', 'c', 'd', 'eeeeeeeeeeee', 'ffff', 'gggggg'].map((label) => j.save(text(label)));
    for (let i = 0; i < 5; i++) {
      await flush();
      store.release();
    }
    await Promise.all(saves);
    expect(store.writes).toEqual(['save synced a,b,c', 'save synced d', 'save synced eeeeeeeeeeee', 'save synced ffff,gggggg']);
  });

  it("rejects every save of a failed batch, and the next batch is written as usual", async () => {
    const store = new RecordingStore();
    const { journal: j } = journal(store);
    store.failNext = new Error('disk full');
    const failing = [j.save(text('a')), j.save(text('b'))];
    await flush();
    store.release();
    for (const save of failing) await expect(save).rejects.toThrow('disk full');
    const next = j.save(text('c'));
    await flush();
    store.release();
    await next;
    expect(store.writes).toEqual(['save synced a,b', 'save synced c']);
  });

  it('deletes after the saves queued before it, merging consecutive deletes into one batch', async () => {
    const store = new RecordingStore();
    const { journal: j } = journal(store);
    const short = (label: string) => toHex(txHash(text(label))).slice(0, 8);
    const saved = j.save(text('a'));
    j.forget([txHash(text('a'))]);
    j.forget([txHash(text('b'))]);
    await flush();
    expect(store.writes).toEqual(['save synced a']);
    store.release();
    await saved;
    await flush();
    expect(store.writes).toEqual(['save synced a', `delete ${short('a')},${short('b')}`]);
    store.release();
    await j.idle();
  });

  it('reports a failed delete and carries on', async () => {
    const store = new RecordingStore();
    const { journal: j, deleteFailures } = journal(store);
    store.failNext = new Error('disk full');
    j.forget([txHash(text('c')), txHash(text('d'))]);
    await flush();
    store.release();
    await j.idle();
    expect(deleteFailures).toEqual([2]);
    const next = j.save(text('e'));
    await flush();
    store.release();
    await next;
    expect(store.writes.at(-1)).toBe('save synced e');
  });
});
