import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { txHash } from '../../src/block.js';
import { encodeCanonical } from '../../src/encoding/canonical.js';
import { blockToCbor, certificateToCbor } from '../../src/encoding/codec.js';
import type { CommittedBlock } from '../../src/types.js';
import {
  BrokenChainLinkError,
  BUCKET_PREFIX,
  CertificateMismatchError,
  CommitInProgressError,
  NonConsecutiveHeightError,
  StoreArgumentError,
  StoreClosedError,
  StoreCorruptionError,
  UnstorableValueError,
  type ChainStoreOptions,
  type DbChainStore,
} from '../../src/store/index.js';
import { certificateFor, committedBytes, fromUtf8, heightKey, TEST_LIMITS, TestChain, testTx, utf8, walKey } from './store-fixtures.js';

/**
 * The behaviour every ChainStore must have, run against each implementation (the in-memory one
 * in test/unit, both in test/e2e) so they cannot drift apart. A harness opens stores over one
 * kind of storage and can reopen them (a clean restart) and write raw bytes under a key.
 */
export interface ChainStoreHarness {
  /** A new, empty store. */
  open(options?: Partial<ChainStoreOptions>): Promise<DbChainStore>;
  /** Closes the store and opens its storage again, as a clean restart does. */
  reopen(store: DbChainStore): Promise<DbChainStore>;
  /** Closes the store, writes `value` under the raw `key`, and opens the storage again. */
  rewrite(store: DbChainStore, key: Uint8Array, value: Uint8Array): Promise<DbChainStore>;
  /** Releases whatever the harness created. */
  cleanup(): Promise<void>;
}

/** What getCommittedBlocks counts against its byte budget: the stored block and certificate. */
function storedSizeBytes(committed: CommittedBlock): number {
  return encodeCanonical(blockToCbor(committed.block)).byteLength + encodeCanonical(certificateToCbor(committed.certificate)).byteLength;
}

export function describeChainStoreBehaviour(name: string, makeHarness: () => ChainStoreHarness): void {
  describe(`ChainStore behaviour: ${name}`, () => {
    let harness: ChainStoreHarness;
    let store: DbChainStore;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('starts empty', async () => {
      expect(store.latestHeight()).toBe(0);
      expect(await store.getCommittedBlock(1)).toBeNull();
      expect(await store.getCommittedBlocks(1, 10, 1_000_000)).toEqual([]);
      expect(await store.findTx(txHash(testTx('nothing')))).toBeNull();
      expect(await store.latestAppSnapshot()).toBeNull();
      expect(await store.readWal(1)).toEqual([]);
    });

    it('stores blocks with their certificates and reads them back', async () => {
      const chain = new TestChain();
      const blocks = chain.many(3);
      for (const committed of blocks) await store.saveCommittedBlock(committed);
      expect(store.latestHeight()).toBe(3);
      for (const committed of blocks) {
        expect(committedBytes(await store.getCommittedBlock(committed.block.header.height))).toEqual(committedBytes(committed));
      }
      expect(await store.getCommittedBlock(4)).toBeNull();
    });

    it('refuses a height that is not latestHeight()+1 and stays unchanged', async () => {
      const chain = new TestChain();
      const [first, second, third] = chain.many(3);
      await expect(store.saveCommittedBlock(second!)).rejects.toMatchObject({ name: 'NonConsecutiveHeightError', expectedHeight: 1, actualHeight: 2 });
      await store.saveCommittedBlock(first!);
      await expect(store.saveCommittedBlock(first!)).rejects.toBeInstanceOf(NonConsecutiveHeightError);
      await expect(store.saveCommittedBlock(third!)).rejects.toBeInstanceOf(NonConsecutiveHeightError);
      expect(store.latestHeight()).toBe(1);
      expect(await store.getCommittedBlock(2)).toBeNull();
    });

    it('refuses a certificate for another block or height, and a block that does not link', async () => {
      const chain = new TestChain();
      const [first, second] = chain.many(2);
      const other = new TestChain('another genesis').many(2);
      await expect(store.saveCommittedBlock({ block: first!.block, certificate: other[0]!.certificate })).rejects.toBeInstanceOf(CertificateMismatchError);
      await expect(store.saveCommittedBlock({ block: first!.block, certificate: { ...first!.certificate, height: 2 } })).rejects.toBeInstanceOf(
        CertificateMismatchError,
      );
      await store.saveCommittedBlock(first!);
      // Height 2 of another chain: consecutive and self-consistent, but not on top of our block 1.
      await expect(store.saveCommittedBlock(other[1]!)).rejects.toBeInstanceOf(BrokenChainLinkError);
      await store.saveCommittedBlock(second!);
      expect(store.latestHeight()).toBe(2);
    });

    it('refuses a block it could not read back, before writing anything', async () => {
      const chain = new TestChain();
      const oversizedTx = chain.next([testTx('big', TEST_LIMITS.txMaxBytes + 1)]);
      await expect(store.saveCommittedBlock(oversizedTx)).rejects.toMatchObject({ name: 'UnstorableValueError', bucket: 'blocks' });
      const tooMany = new TestChain().next(Array.from({ length: TEST_LIMITS.blockMaxTxs + 1 }, (_, i) => testTx(`many-${i}`)));
      await expect(store.saveCommittedBlock(tooMany)).rejects.toBeInstanceOf(UnstorableValueError);
      const badSignature = new TestChain().next([]);
      const certificate = { ...badSignature.certificate, signatures: [{ validator: 'T-Mobile-DE', signature: new Uint8Array(3) }] };
      await expect(store.saveCommittedBlock({ block: badSignature.block, certificate })).rejects.toMatchObject({ bucket: 'certificates' });
      expect(store.latestHeight()).toBe(0);
    });

    it('refuses a second commit while one is being written', async () => {
      const chain = new TestChain();
      const [first, second] = chain.many(2);
      const writing = store.saveCommittedBlock(first!);
      await expect(store.saveCommittedBlock(second!)).rejects.toBeInstanceOf(CommitInProgressError);
      await writing;
      await store.saveCommittedBlock(second!);
      expect(store.latestHeight()).toBe(2);
    });

    it('indexes every tx at its first commit', async () => {
      const chain = new TestChain();
      const repeated = testTx('repeated');
      await store.saveCommittedBlock(chain.next([testTx('a'), repeated, testTx('b'), repeated]));
      await store.saveCommittedBlock(chain.next([testTx('c'), repeated]));
      expect(await store.findTx(txHash(testTx('a')))).toEqual({ height: 1, index: 0 });
      expect(await store.findTx(txHash(repeated))).toEqual({ height: 1, index: 1 });
      expect(await store.findTx(txHash(testTx('b')))).toEqual({ height: 1, index: 2 });
      expect(await store.findTx(txHash(testTx('c')))).toEqual({ height: 2, index: 0 });
      expect(await store.findTx(txHash(testTx('never')))).toBeNull();
      await expect(store.findTx(new Uint8Array(31))).rejects.toBeInstanceOf(StoreArgumentError);
    });

    it('serves consecutive blocks within a count and a byte budget, at least one', async () => {
      const chain = new TestChain();
      const blocks = chain.many(6, 3);
      for (const committed of blocks) await store.saveCommittedBlock(committed);
      const heights = (found: readonly { block: { header: { height: number } } }[]) => found.map((c) => c.block.header.height);
      expect(heights(await store.getCommittedBlocks(2, 3, 10_000_000))).toEqual([2, 3, 4]);
      expect(heights(await store.getCommittedBlocks(5, 10, 10_000_000))).toEqual([5, 6]);
      expect(await store.getCommittedBlocks(7, 10, 10_000_000)).toEqual([]);
      expect(heights(await store.getCommittedBlocks(1, 10, 1))).toEqual([1]);
      const [size1, size2, size3] = blocks.map(storedSizeBytes);
      expect(heights(await store.getCommittedBlocks(1, 10, size1! + size2!))).toEqual([1, 2]);
      expect(heights(await store.getCommittedBlocks(1, 10, size1! + size2! + size3! - 1))).toEqual([1, 2]);
      expect(heights(await store.getCommittedBlocks(1, 10, size1! + size2! + size3!))).toEqual([1, 2, 3]);
      expect(committedBytes((await store.getCommittedBlocks(3, 1, 1))[0]!)).toEqual(committedBytes(blocks[2]!));
      await expect(store.getCommittedBlocks(0, 1, 1)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.getCommittedBlocks(1, 0, 1)).rejects.toBeInstanceOf(StoreArgumentError);
    });

    it('keeps the newest snapshotsToKeep app snapshots', async () => {
      for (let height = 1; height <= 5; height++) await store.saveAppSnapshot(height, utf8(`state-${height}`));
      expect(await store.appSnapshotHeights()).toEqual([5, 4, 3]);
      const latest = await store.latestAppSnapshot();
      expect(latest?.height).toBe(5);
      expect(fromUtf8(latest!.snapshot)).toBe('state-5');
      // Older than every kept snapshot: it would be pruned at once, so it is not kept.
      await store.saveAppSnapshot(2, utf8('late'));
      expect(await store.appSnapshotHeights()).toEqual([5, 4, 3]);
      await store.saveAppSnapshot(5, utf8('state-5-again'));
      expect(fromUtf8((await store.latestAppSnapshot())!.snapshot)).toBe('state-5-again');
      await store.saveAppSnapshot(6, new Uint8Array(0));
      expect(await store.appSnapshotHeights()).toEqual([6, 5, 4]);
      expect((await store.latestAppSnapshot())!.snapshot.byteLength).toBe(0);
    });

    it('honours a snapshotsToKeep option and a snapshot size limit', async () => {
      const small = await harness.open({ snapshotsToKeep: 1, snapshotMaxBytes: 10 });
      try {
        await small.saveAppSnapshot(1, utf8('one'));
        await small.saveAppSnapshot(2, utf8('two'));
        expect(await small.appSnapshotHeights()).toEqual([2]);
        await expect(small.saveAppSnapshot(3, new Uint8Array(11))).rejects.toMatchObject({ name: 'UnstorableValueError', bucket: 'snapshots' });
      } finally {
        await small.close();
      }
    });

    it('appends WAL entries per height in order, synced or not, and prunes below a height', async () => {
      await store.appendWal(1, utf8('1a'), false);
      await store.appendWal(2, utf8('2a'), true);
      await store.appendWal(1, utf8('1b'), true);
      await store.appendWal(2, utf8('2b'), false);
      await store.appendWal(3, new Uint8Array(0), false);
      expect((await store.readWal(1)).map(fromUtf8)).toEqual(['1a', '1b']);
      expect((await store.readWal(2)).map(fromUtf8)).toEqual(['2a', '2b']);
      expect(await store.readWal(3)).toEqual([new Uint8Array(0)]);
      await store.pruneWal(2);
      expect(await store.readWal(1)).toEqual([]);
      expect((await store.readWal(2)).map(fromUtf8)).toEqual(['2a', '2b']);
      await store.appendWal(1, utf8('1c'), false);
      expect((await store.readWal(1)).map(fromUtf8)).toEqual(['1c']);
    });

    it('keeps append order for concurrent appends, also on a height it has not seen since opening', async () => {
      await store.appendWal(4, utf8('before'), true);
      store = await harness.reopen(store);
      const labels = Array.from({ length: 20 }, (_, i) => `entry-${i}`);
      await Promise.all(labels.map((label, i) => store.appendWal(4, utf8(label), i % 3 === 0)));
      expect((await store.readWal(4)).map(fromUtf8)).toEqual(['before', ...labels]);
    });

    it('prunes more WAL entries than one delete batch holds', async () => {
      for (let i = 0; i < 2_100; i++) await store.appendWal(1 + (i % 3), utf8(`e${i}`), false);
      await store.appendWal(9, utf8('kept'), false);
      await store.pruneWal(9);
      for (const height of [1, 2, 3]) expect(await store.readWal(height)).toEqual([]);
      expect((await store.readWal(9)).map(fromUtf8)).toEqual(['kept']);
    });

    it('refuses a WAL entry above the size limit', async () => {
      const small = await harness.open({ walEntryMaxBytes: 8 });
      try {
        await small.appendWal(1, new Uint8Array(8), true);
        await expect(small.appendWal(1, new Uint8Array(9), true)).rejects.toMatchObject({ name: 'UnstorableValueError', bucket: 'wal' });
        expect(await small.readWal(1)).toHaveLength(1);
      } finally {
        await small.close();
      }
    });

    it("keeps the signer's last-signed record with its WAL entry in one write, apart from the WAL and its pruning", async () => {
      expect(await store.readLastSigned()).toBeNull();
      await store.appendSignedWal(3, utf8('signed vote'), utf8('record 1'));
      await store.appendWal(3, utf8('peer input'), false);
      await store.appendSignedWal(3, utf8('signed proposal'), utf8('record 2'));
      expect((await store.readWal(3)).map(fromUtf8)).toEqual(['signed vote', 'peer input', 'signed proposal']);
      expect(fromUtf8((await store.readLastSigned())!)).toBe('record 2');
      await store.pruneWal(10);
      expect(await store.readWal(3)).toEqual([]);
      store = await harness.reopen(store);
      expect(fromUtf8((await store.readLastSigned())!)).toBe('record 2');
      await expect(store.appendSignedWal(4, utf8('x'), new Uint8Array(2048))).rejects.toBeInstanceOf(UnstorableValueError);
      expect(await store.readWal(4)).toEqual([]);
    });

    it("raises StoreCorruptionError for a damaged last-signed record", async () => {
      await store.appendSignedWal(1, utf8('signed vote'), utf8('record'));
      store = await harness.rewrite(store, Uint8Array.of(BUCKET_PREFIX.signer, ...utf8('last_signed')), Uint8Array.of(0, 0, 0, 0, 1));
      await expect(store.readLastSigned()).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'signer' });
    });

    it('keeps everything across a restart: latest height, blocks, tx index, snapshots, WAL and its sequence', async () => {
      const chain = new TestChain();
      const blocks = chain.many(4);
      for (const committed of blocks) await store.saveCommittedBlock(committed);
      await store.saveAppSnapshot(4, utf8('state-4'));
      await store.appendWal(5, utf8('w0'), true);
      await store.appendWal(5, utf8('w1'), false);
      store = await harness.reopen(store);
      expect(store.latestHeight()).toBe(4);
      expect(committedBytes(await store.getCommittedBlock(4))).toEqual(committedBytes(blocks[3]!));
      expect(await store.findTx(txHash(blocks[2]!.block.txs[1]!))).toEqual({ height: 3, index: 1 });
      expect(fromUtf8((await store.latestAppSnapshot())!.snapshot)).toBe('state-4');
      await store.appendWal(5, utf8('w2'), true);
      expect((await store.readWal(5)).map(fromUtf8)).toEqual(['w0', 'w1', 'w2']);
      // The chain continues where it was, linked to the stored block.
      await store.saveCommittedBlock(chain.next([testTx('after-restart')]));
      expect(store.latestHeight()).toBe(5);
    });

    it('raises StoreCorruptionError naming the bucket and key for a damaged block', async () => {
      const chain = new TestChain();
      for (const committed of chain.many(3)) await store.saveCommittedBlock(committed);
      const key = heightKey(BUCKET_PREFIX.blocks, 2);
      store = await harness.rewrite(store, key, Uint8Array.of(0xa1, 0x61));
      const error = await store.getCommittedBlock(2).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StoreCorruptionError);
      expect(error).toMatchObject({ bucket: 'blocks', keyHex: Buffer.from(key).toString('hex') });
      await expect(store.getCommittedBlocks(1, 5, 1_000_000)).rejects.toBeInstanceOf(StoreCorruptionError);
      expect(committedBytes(await store.getCommittedBlock(3))).not.toBeNull();
    });

    it('raises StoreCorruptionError for a block stored under the wrong height', async () => {
      const chain = new TestChain();
      const blocks = chain.many(3);
      for (const committed of blocks) await store.saveCommittedBlock(committed);
      // The valid encoding of block 1 under the key of block 2.
      store = await harness.rewrite(store, heightKey(BUCKET_PREFIX.blocks, 2), encodeCanonical(blockToCbor(blocks[0]!.block)));
      await expect(store.getCommittedBlock(2)).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'blocks' });
    });

    it('fails to open when the latest block is damaged', async () => {
      const chain = new TestChain();
      for (const committed of chain.many(2)) await store.saveCommittedBlock(committed);
      const reopening = harness.rewrite(store, heightKey(BUCKET_PREFIX.blocks, 2), Uint8Array.of(0xff));
      await expect(reopening).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'blocks' });
      // The harness reopens a fresh store for afterEach to close.
      store = await harness.open();
    });

    it('raises StoreCorruptionError for a WAL entry whose checksum fails', async () => {
      await store.appendWal(1, utf8('intact'), true);
      await store.appendWal(1, utf8('damaged'), true);
      const framed = new Uint8Array([0, 0, 0, 0, ...utf8('damaged')]);
      store = await harness.rewrite(store, walKey(BUCKET_PREFIX.wal, 1, 1), framed);
      await expect(store.readWal(1)).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'wal', keyHex: Buffer.from(walKey(BUCKET_PREFIX.wal, 1, 1)).toString('hex') });
    });

    it('raises StoreCorruptionError for a certificate of another block', async () => {
      const chain = new TestChain();
      const blocks = chain.many(2);
      for (const committed of blocks) await store.saveCommittedBlock(committed);
      const wrong = { ...certificateFor(blocks[0]!.block, 3), height: 2 };
      store = await harness.rewrite(store, heightKey(BUCKET_PREFIX.certificates, 2), encodeCanonical(certificateToCbor(wrong)));
      await expect(store.getCommittedBlock(2)).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'certificates' });
    });

    it('keeps pending transactions across a restart, lists them within a limit, and deletes them by hash', async () => {
      const txs = ['pending-a', 'pending-b', 'pending-c'].map((tag) => testTx(tag));
      await store.savePendingTxs(txs.slice(0, 2), true);
      await store.savePendingTxs(txs.slice(2), false);
      // Saving one again changes nothing.
      await store.savePendingTxs([txs[0]!], true);
      store = await harness.reopen(store);
      const byHash = (list: readonly Uint8Array[]) => list.map((tx) => Buffer.from(txHash(tx)).toString('hex')).sort();
      expect(byHash(await store.listPendingTxs(10, 1_000_000))).toEqual(byHash(txs));
      expect(await store.listPendingTxs(2, 1_000_000)).toHaveLength(2);
      // Bytes bound the list as well as the count: two of the 16-byte transactions fit 40 bytes.
      expect(await store.listPendingTxs(10, 40)).toHaveLength(2);
      await store.deletePendingTxs([txHash(txs[1]!), txHash(testTx('never-pending'))]);
      expect(byHash(await store.listPendingTxs(10, 1_000_000))).toEqual(byHash([txs[0]!, txs[2]!]));
      await expect(store.listPendingTxs(0, 1_000_000)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.listPendingTxs(10, 0)).rejects.toBeInstanceOf(StoreArgumentError);
    });

    it('lists pending transactions a page at a time, from a hash on (inclusive), in hash order', async () => {
      const txs = Array.from({ length: 5 }, (_, i) => testTx(`paged-${i}`));
      await store.savePendingTxs(txs, true);
      const hex = (tx: Uint8Array) => Buffer.from(txHash(tx)).toString('hex');
      const sorted = txs.map(hex).sort();
      const firstPage = await store.listPendingTxs(2, 1_000_000);
      expect(firstPage.map(hex)).toEqual(sorted.slice(0, 2));
      const from = Uint8Array.from(Buffer.from(sorted[2]!, 'hex'));
      expect((await store.listPendingTxs(2, 1_000_000, from)).map(hex)).toEqual(sorted.slice(2, 4));
      expect((await store.listPendingTxs(10, 1_000_000, from)).map(hex)).toEqual(sorted.slice(2));
      expect(await store.listPendingTxs(10, 1_000_000, new Uint8Array(32).fill(0xff))).toEqual(txs.filter((tx) => hex(tx) === 'f'.repeat(64)));
    });

    it('refuses a pending transaction it could not read back, writing none of its batch', async () => {
      const fits = testTx('fits', TEST_LIMITS.txMaxBytes);
      await expect(store.savePendingTxs([fits, testTx('too-big', TEST_LIMITS.txMaxBytes + 1)], true)).rejects.toMatchObject({ name: 'UnstorableValueError', bucket: 'pending_txs' });
      await expect(store.savePendingTxs([new Uint8Array(0)], true)).rejects.toMatchObject({ name: 'UnstorableValueError', bucket: 'pending_txs' });
      expect(await store.listPendingTxs(10, 1_000_000)).toEqual([]);
      await store.savePendingTxs([fits], true);
      expect(await store.listPendingTxs(10, 1_000_000)).toEqual([fits]);
    });

    it("removes a block's transactions from the pending ones when it stores the block, and only those", async () => {
      const chain = new TestChain();
      const [a, b, c] = ['a', 'b', 'c'].map((tag) => testTx(`pending-${tag}`));
      await store.savePendingTxs([a!, b!, c!], true);
      await store.saveCommittedBlock(chain.next([a!, testTx('from-a-peer'), c!, a!]));
      expect(await store.listPendingTxs(10, 1_000_000)).toEqual([b]);
      store = await harness.reopen(store);
      expect(await store.listPendingTxs(10, 1_000_000)).toEqual([b]);
    });

    it('raises StoreCorruptionError for a pending transaction stored under another hash', async () => {
      const tx = testTx('pending');
      await store.savePendingTxs([tx], true);
      const key = Uint8Array.of(BUCKET_PREFIX.pending_txs, ...txHash(tx));
      const other = testTx('another');
      const framed = new Uint8Array(4 + other.byteLength);
      new DataView(framed.buffer).setUint32(0, crc32(other), false);
      framed.set(other, 4);
      store = await harness.rewrite(store, key, framed);
      await expect(store.listPendingTxs(10, 1_000_000)).rejects.toMatchObject({ name: 'StoreCorruptionError', bucket: 'pending_txs', keyHex: Buffer.from(key).toString('hex') });
    });

    it('refuses arguments outside their domain', async () => {
      await expect(store.getCommittedBlock(0)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.getCommittedBlock(1.5)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.saveAppSnapshot(-1, new Uint8Array(1))).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.appendWal(0, new Uint8Array(1), true)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(store.pruneWal(Number.NaN)).rejects.toBeInstanceOf(StoreArgumentError);
      await expect(harness.open({ snapshotsToKeep: 0 })).rejects.toBeInstanceOf(StoreArgumentError);
    });

    it('refuses every use after close, and closes twice without complaint', async () => {
      await store.close();
      await store.close();
      await expect(store.getCommittedBlock(1)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.saveCommittedBlock(new TestChain().next())).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.appendWal(1, new Uint8Array(1), true)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.readWal(1)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.latestAppSnapshot()).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.savePendingTxs([testTx('late')], true)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.listPendingTxs(1, 1_000_000)).rejects.toBeInstanceOf(StoreClosedError);
      store = await harness.open();
    });
  });
}
