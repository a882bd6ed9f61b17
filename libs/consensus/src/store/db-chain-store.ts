import { blockHash, txHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import { bytesEqual } from '../encoding/canonical.js';
import type { Block, CommittedBlock, Hash } from '../types.js';
import type { ChainBuckets, ResolvedChainStoreOptions } from './buckets.js';
import type { ChainStore } from './chain-store.js';
import type { DbController, DbOperation } from './controller/types.js';
import {
  BrokenChainLinkError,
  CertificateMismatchError,
  CommitInProgressError,
  NonConsecutiveHeightError,
  StoreClosedError,
  StoreCorruptionError,
} from './errors.js';
import { assertHeight, assertPositive, keyToHex } from './keys.js';
import type { TxLocation } from './repositories/tx-index.js';
import { WalSequences } from './wal-sequences.js';

/** What the store keeps in memory about the chain's tip: read at open, advanced by each commit. */
export interface ChainHead {
  readonly height: number;
  /** Hash of the block at `height`; null when the store is empty. */
  readonly blockHash: Hash | null;
}

/** The head from what open() read; a latest height without its block means a damaged store. */
export function chainHeadFrom(buckets: ChainBuckets, latestHeight: number | null, latestBlock: Block | null): ChainHead {
  if (latestHeight === null || latestHeight === 0) return { height: 0, blockHash: null };
  if (latestBlock === null) throw missing(buckets.blocks.bucket, buckets.blocks.encodeKey(latestHeight), `the latest height is ${latestHeight}`);
  return { height: latestHeight, blockHash: blockHash(latestBlock) };
}

/** Keys deleted per batch when pruning: bounds the memory of one prune step. */
const PRUNE_BATCH_KEYS = 1_000;

/**
 * The ChainStore over the bucket repositories of one DbController. LevelChainStore and
 * MemoryChainStore differ only in the controller they open, so their checks, errors and
 * encodings cannot drift apart.
 */
export class DbChainStore implements ChainStore {
  private head: ChainHead;
  private heightInProgress: number | null = null;
  private closed = false;
  private readonly walSequences: WalSequences;

  protected constructor(
    protected readonly db: DbController,
    protected readonly buckets: ChainBuckets,
    private readonly options: ResolvedChainStoreOptions,
    head: ChainHead,
  ) {
    this.head = head;
    this.walSequences = new WalSequences((height) => this.lastWalSequence(height));
  }

  latestHeight(): number {
    return this.head.height;
  }

  async saveCommittedBlock(committed: CommittedBlock): Promise<void> {
    this.assertOpen();
    if (this.heightInProgress !== null) throw new CommitInProgressError(this.heightInProgress);
    const { block, certificate } = committed;
    const height = block.header.height;
    const expectedHeight = this.head.height + 1;
    if (height !== expectedHeight) throw new NonConsecutiveHeightError(expectedHeight, height);
    const hash = blockHash(block);
    if (certificate.height !== height) throw new CertificateMismatchError(`certificate of height ${certificate.height} stored with block ${height}`);
    if (!bytesEqual(certificate.blockHash, hash)) throw new CertificateMismatchError(`certificate at height ${height} decides another block`);
    if (this.head.blockHash !== null && !bytesEqual(block.header.previousBlockHash, this.head.blockHash)) throw new BrokenChainLinkError(height);
    // Encoding checks that both values read back; it throws before anything is written.
    const operations: DbOperation[] = [this.buckets.blocks.putOp(height, block), this.buckets.certificates.putOp(height, certificate)];
    this.heightInProgress = height;
    try {
      const txs = firstOccurrences(block.txs);
      // Loops, not push(...): a block may carry more txs than a call may take arguments.
      for (const operation of await this.txIndexOperations(height, txs)) operations.push(operation);
      // In the block's own batch: a crash can neither leave a committed tx pending (a restart
      // would admit it again) nor drop a pending tx its block did not commit.
      for (const { hash } of txs) operations.push(this.buckets.pendingTxs.deleteOp(hash));
      operations.push(this.buckets.meta.putOp('latest_height', height));
      await this.db.batch(operations, { sync: true, operation: 'block' });
      this.head = { height, blockHash: hash };
    } finally {
      this.heightInProgress = null;
    }
  }

  async getCommittedBlock(height: number): Promise<CommittedBlock | null> {
    this.assertOpen();
    assertHeight(height);
    if (height > this.head.height) return null;
    const [blockBytes, certificateBytes] = await Promise.all([this.buckets.blocks.getBinary(height), this.buckets.certificates.getBinary(height)]);
    return this.decodeCommitted(height, blockBytes, certificateBytes);
  }

  async getCommittedBlocks(fromHeight: number, maxCount: number, maxBytes: number): Promise<CommittedBlock[]> {
    this.assertOpen();
    assertHeight(fromHeight, 'fromHeight');
    assertPositive(maxCount, 'maxCount');
    assertPositive(maxBytes, 'maxBytes');
    const lastHeight = Math.min(this.head.height, fromHeight + maxCount - 1);
    const found: CommittedBlock[] = [];
    let totalBytes = 0;
    for (let height = fromHeight; height <= lastHeight; height++) {
      const [blockBytes, certificateBytes] = await Promise.all([this.buckets.blocks.getBinary(height), this.buckets.certificates.getBinary(height)]);
      const sizeBytes = (blockBytes?.byteLength ?? 0) + (certificateBytes?.byteLength ?? 0);
      // At least one block, so a block larger than a peer's maxBytes still syncs.
      if (found.length > 0 && totalBytes + sizeBytes > maxBytes) break;
      totalBytes += sizeBytes;
      found.push(this.decodeCommitted(height, blockBytes, certificateBytes));
    }
    return found;
  }

  async findTx(hash: Uint8Array): Promise<TxLocation | null> {
    this.assertOpen();
    return this.buckets.txIndex.get(hash);
  }

  /** Keeps one piece of equivocation evidence; storing the same evidence again changes nothing. */
  async saveEvidence(height: number, hash: Uint8Array, record: Uint8Array): Promise<void> {
    this.assertOpen();
    assertHeight(height);
    await this.buckets.evidence.put({ height, hash }, record, { sync: true });
  }

  /** Stored evidence, newest height first, at most `limit` records. */
  async listEvidence(limit: number): Promise<{ readonly height: number; readonly record: Uint8Array }[]> {
    this.assertOpen();
    const found: { height: number; record: Uint8Array }[] = [];
    for await (const [id, record] of this.buckets.evidence.entries({ reverse: true, limit })) found.push({ height: id.height, record });
    return found;
  }

  /** One lookup for many hashes (a proposed block's txs): one round trip to LevelDB, not one per tx. */
  async findTxs(hashes: readonly Uint8Array[]): Promise<(TxLocation | null)[]> {
    this.assertOpen();
    if (hashes.length === 0) return [];
    const stored = await this.buckets.txIndex.getManyBinary(hashes);
    return stored.map((bytes, i) => (bytes === null ? null : this.buckets.txIndex.decodeStored(hashes[i]!, bytes)));
  }

  async saveAppSnapshot(height: number, snapshot: Uint8Array): Promise<void> {
    this.assertOpen();
    assertHeight(height);
    const put = this.buckets.snapshots.putOp(height, snapshot);
    const heights = new Set<number>([height]);
    for await (const stored of this.buckets.snapshots.keys()) heights.add(stored);
    const newestFirst = [...heights].sort((a, b) => b - a);
    const kept = new Set(newestFirst.slice(0, this.options.snapshotsToKeep));
    const operations: DbOperation[] = newestFirst.filter((stored) => !kept.has(stored)).map((stored) => this.buckets.snapshots.deleteOp(stored));
    // A snapshot older than every kept one would be pruned at once: it is simply not written.
    if (kept.has(height)) operations.unshift(put);
    await this.db.batch(operations, { sync: true, operation: 'snapshot' });
  }

  async latestAppSnapshot(): Promise<{ height: number; snapshot: Uint8Array } | null> {
    this.assertOpen();
    for await (const [height, snapshot] of this.buckets.snapshots.entries({ reverse: true, limit: 1 })) return { height, snapshot };
    return null;
  }

  /** Heights of the stored app snapshots, newest first (at most snapshotsToKeep): for operators and tests. */
  async appSnapshotHeights(): Promise<number[]> {
    this.assertOpen();
    const heights: number[] = [];
    for await (const height of this.buckets.snapshots.keys({ reverse: true })) heights.push(height);
    return heights;
  }

  async appendWal(height: number, entry: Uint8Array, sync: boolean): Promise<void> {
    this.assertOpen();
    assertHeight(height);
    const value = this.buckets.wal.encodeValue(entry);
    const sequence = await this.walSequences.allocate(height);
    await this.db.batch([this.buckets.wal.putBinaryOp({ height, sequence }, value)], { sync, operation: sync ? 'wal_sync' : 'wal' });
  }

  async appendSignedWal(height: number, entry: Uint8Array, lastSigned: Uint8Array): Promise<void> {
    this.assertOpen();
    assertHeight(height);
    const walValue = this.buckets.wal.encodeValue(entry);
    const record = this.buckets.signer.putOp('last_signed', lastSigned);
    const sequence = await this.walSequences.allocate(height);
    await this.db.batch([this.buckets.wal.putBinaryOp({ height, sequence }, walValue), record], { sync: true, operation: 'wal_sync' });
  }

  async readLastSigned(): Promise<Uint8Array | null> {
    this.assertOpen();
    return this.buckets.signer.get('last_signed');
  }

  /**
   * Sets the signer's last-signed record outside a signature: only for recovery tools carrying
   * a record into a new store (libs/consensus/src/recovery), never while a node runs on it.
   */
  async writeLastSignedRecord(record: Uint8Array): Promise<void> {
    this.assertOpen();
    await this.db.batch([this.buckets.signer.putOp('last_signed', record)], { sync: true });
  }

  async readWal(height: number): Promise<Uint8Array[]> {
    this.assertOpen();
    assertHeight(height);
    const entries: Uint8Array[] = [];
    for await (const [, entry] of this.buckets.wal.entries(walRangeOf(height))) entries.push(entry);
    return entries;
  }

  async pruneWal(belowHeight: number): Promise<void> {
    this.assertOpen();
    assertHeight(belowHeight, 'belowHeight');
    const range = { lt: { height: belowHeight, sequence: 0 }, limit: PRUNE_BATCH_KEYS };
    // Each pass deletes what it found, so the next pass starts past it; a short pass is the last.
    let found = PRUNE_BATCH_KEYS;
    while (found === PRUNE_BATCH_KEYS) {
      const operations: DbOperation[] = [];
      for await (const id of this.buckets.wal.keys(range)) operations.push(this.buckets.wal.deleteOp(id));
      found = operations.length;
      // Not synced: a prune lost in a crash only leaves old entries nobody reads.
      await this.db.batch(operations, { sync: false });
    }
    this.walSequences.forgetBelow(belowHeight);
  }

  async savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void> {
    this.assertOpen();
    if (txs.length === 0) return;
    // Encoding checks every value before anything is written: the batch is all or nothing.
    const operations = txs.map((tx) => this.buckets.pendingTxs.putOp(txHash(tx), tx));
    await this.db.batch(operations, { sync, operation: 'pending_txs' });
  }

  async listPendingTxs(maxTxs: number, maxBytes: number, fromHash?: Uint8Array): Promise<Uint8Array[]> {
    this.assertOpen();
    assertPositive(maxTxs, 'maxTxs');
    assertPositive(maxBytes, 'maxBytes');
    const txs: Uint8Array[] = [];
    let totalBytes = 0;
    for await (const [, tx] of this.buckets.pendingTxs.entries(fromHash === undefined ? { limit: maxTxs } : { gte: fromHash, limit: maxTxs })) {
      if (totalBytes + tx.byteLength > maxBytes) break;
      totalBytes += tx.byteLength;
      txs.push(tx);
    }
    return txs;
  }

  async deletePendingTxs(hashes: readonly Uint8Array[]): Promise<void> {
    this.assertOpen();
    if (hashes.length === 0) return;
    await this.db.batch(
      hashes.map((hash) => this.buckets.pendingTxs.deleteOp(hash)),
      { sync: false },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  /** Index entries for the block's txs, skipping hashes already indexed: a tx's location is its first commit. */
  private async txIndexOperations(height: number, candidates: readonly TxFirstOccurrence[]): Promise<DbOperation[]> {
    const stored = await this.buckets.txIndex.getManyBinary(candidates.map((candidate) => candidate.hash));
    return candidates.filter((_, i) => stored[i] === null).map((candidate) => this.buckets.txIndex.putOp(candidate.hash, { height, index: candidate.index }));
  }

  /** Decodes a block and its certificate read at a height at or below the head, where both must exist and match. */
  private decodeCommitted(height: number, blockBytes: Uint8Array | null, certificateBytes: Uint8Array | null): CommittedBlock {
    const { blocks, certificates } = this.buckets;
    if (blockBytes === null) throw missing(blocks.bucket, blocks.encodeKey(height), `the latest height is ${this.head.height}`);
    if (certificateBytes === null) throw missing(certificates.bucket, certificates.encodeKey(height), `the latest height is ${this.head.height}`);
    const block = blocks.decodeStored(height, blockBytes);
    const certificate = certificates.decodeStored(height, certificateBytes);
    if (!bytesEqual(certificate.blockHash, blockHash(block))) {
      throw new StoreCorruptionError(certificates.bucket, keyToHex(certificates.encodeKey(height)), 'certificate decides another block than the stored one');
    }
    return { block, certificate };
  }

  private async lastWalSequence(height: number): Promise<number | null> {
    for await (const id of this.buckets.wal.keys({ ...walRangeOf(height), reverse: true, limit: 1 })) return id.sequence;
    return null;
  }
}

interface TxFirstOccurrence {
  readonly hash: Uint8Array;
  readonly index: number;
}

/** Each distinct tx of a block, hashed once, at its first position. */
function firstOccurrences(txs: readonly Uint8Array[]): TxFirstOccurrence[] {
  const firstByHash = new Map<string, TxFirstOccurrence>();
  txs.forEach((tx, index) => {
    const hash = txHash(tx);
    const hex = toHex(hash);
    if (!firstByHash.has(hex)) firstByHash.set(hex, { hash, index });
  });
  return [...firstByHash.values()];
}

function walRangeOf(height: number) {
  return { gte: { height, sequence: 0 }, lt: { height: height + 1, sequence: 0 } };
}

function missing(bucket: StoreCorruptionError['bucket'], key: Uint8Array, why: string): StoreCorruptionError {
  return new StoreCorruptionError(bucket, keyToHex(key), `missing, although ${why}`);
}
