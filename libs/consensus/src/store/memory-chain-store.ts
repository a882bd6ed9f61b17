import { ChainBuckets, resolveChainStoreOptions, type ResolvedChainStoreOptions } from './buckets.js';
import type { ChainStoreOptions } from './chain-store.js';
import { MemoryDbController } from './controller/memory.js';
import { chainHeadFrom, DbChainStore, type ChainHead } from './db-chain-store.js';

/**
 * The chain store in memory, for the deterministic simulator and unit tests: the same checks,
 * errors and encodings as LevelChainStore (it is the same code over another controller), no
 * I/O, no timers, every method settling through promise microtasks only.
 */
export class MemoryChainStore extends DbChainStore {
  private readonly memory: MemoryDbController;
  private readonly resolved: ResolvedChainStoreOptions;

  /** An empty store, or (for crash copies) the store held by an existing memory controller. */
  constructor(options: ChainStoreOptions, memory: MemoryDbController = new MemoryDbController()) {
    const resolved = resolveChainStoreOptions(options);
    const buckets = new ChainBuckets(memory, resolved);
    super(memory, buckets, resolved, readHeadSync(memory, buckets));
    this.memory = memory;
    this.resolved = resolved;
  }

  /**
   * A new store holding what survives a power loss now, as the restarted node would reopen it.
   * Blocks, certificates, the tx index, the latest height and snapshots are written synced and
   * always survive, and so do WAL entries written with sync=true. With `loseUnsyncedWal`, the
   * writes after the last synced one are lost (unsynced WAL appends and WAL prunes); as with
   * LevelDB's log, a synced write makes every earlier write durable too, so an unsynced entry
   * followed by any synced write survives. Without it, everything survives. This store is left
   * as it was: close it to model the dead process.
   */
  crashCopy(options: { readonly loseUnsyncedWal: boolean }): MemoryChainStore {
    return new MemoryChainStore(this.resolved, this.memory.crashCopy({ loseUnsyncedWrites: options.loseUnsyncedWal }));
  }

  /** Writes that a crash with loseUnsyncedWal would drop right now. */
  get unsyncedWriteCount(): number {
    return this.memory.unsyncedWriteCount;
  }
}

/** LevelChainStore.open's head reading, synchronously: a memory store opens without awaiting. */
function readHeadSync(memory: MemoryDbController, buckets: ChainBuckets): ChainHead {
  const metaBytes = memory.getSync(buckets.meta.encodeKey('latest_height'));
  const latestHeight = metaBytes === null ? null : buckets.meta.decodeStored('latest_height', metaBytes);
  if (latestHeight === null || latestHeight === 0) return chainHeadFrom(buckets, latestHeight, null);
  const blockBytes = memory.getSync(buckets.blocks.encodeKey(latestHeight));
  return chainHeadFrom(buckets, latestHeight, blockBytes === null ? null : buckets.blocks.decodeStored(latestHeight, blockBytes));
}
