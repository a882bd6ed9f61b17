import type { StorageMetrics } from '@consortium/telemetry';
import { ChainBuckets, resolveChainStoreOptions, type ResolvedChainStoreOptions } from './buckets.js';
import type { ChainStoreOptions } from './chain-store.js';
import { LevelDbController } from './controller/level.js';
import { chainHeadFrom, DbChainStore, type ChainHead } from './db-chain-store.js';

export interface LevelChainStoreOptions extends ChainStoreOptions {
  readonly metrics: StorageMetrics | null;
}

/** The node's chain store in a LevelDB directory (classic-level), one per node. */
export class LevelChainStore extends DbChainStore {
  private constructor(
    private readonly controller: LevelDbController,
    buckets: ChainBuckets,
    options: ResolvedChainStoreOptions,
    head: ChainHead,
  ) {
    super(controller, buckets, options, head);
  }

  /**
   * Opens (creating if needed) the store in `directory` and reads its head; a latest height whose
   * block is missing or damaged fails the open with StoreCorruptionError.
   */
  static async open(directory: string, options: LevelChainStoreOptions): Promise<LevelChainStore> {
    const resolved = resolveChainStoreOptions(options);
    const controller = await LevelDbController.create(directory, { metrics: options.metrics });
    try {
      const buckets = new ChainBuckets(controller, resolved);
      const latestHeight = await buckets.meta.get('latest_height');
      const latestBlock = latestHeight === null || latestHeight === 0 ? null : await buckets.blocks.get(latestHeight);
      return new LevelChainStore(controller, buckets, resolved, chainHeadFrom(buckets, latestHeight, latestBlock));
    } catch (error) {
      // Release LevelDB's lock so the operator (or a repair tool) can open the directory.
      await controller.close();
      throw error;
    }
  }

  /** Size of the LevelDB files; also sets consortium_storage_db_size_bytes. Call it periodically, not per write. */
  sizeOnDiskBytes(): Promise<number> {
    return this.controller.sizeOnDiskBytes();
  }
}
