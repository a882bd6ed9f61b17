/**
 * The chain store: the ChainStore interface, its LevelDB and in-memory implementations, and the
 * errors callers branch on. The layers under it (controllers, repositories) are exported for
 * tools and tests that inspect or repair a store; the driver needs only ChainStore.
 */
export type { ChainStore, ChainStoreOptions } from './chain-store.js';
export { DEFAULT_SNAPSHOTS_TO_KEEP } from './chain-store.js';
export { LevelChainStore } from './level-chain-store.js';
export type { LevelChainStoreOptions } from './level-chain-store.js';
export { MemoryChainStore } from './memory-chain-store.js';
export { DbChainStore } from './db-chain-store.js';
export type { TxLocation } from './repositories/tx-index.js';
export {
  StoreCorruptionError,
  NonConsecutiveHeightError,
  CommitInProgressError,
  CertificateMismatchError,
  BrokenChainLinkError,
  UnstorableValueError,
  StoreArgumentError,
  StoreClosedError,
  StoreLockedError,
  StoreDamagedError,
  StoreDiskFullError,
  isDiskFull,
} from './errors.js';
export type { BucketName } from './errors.js';
export { storedBlockMaxBytes, CERTIFICATE_MAX_BYTES, DEFAULT_SNAPSHOT_MAX_BYTES, defaultWalEntryMaxBytes } from './limits.js';
export type { StoreBlockLimits } from './limits.js';
export { LevelDbController } from './controller/level.js';
export { MemoryDbController } from './controller/memory.js';
export type { DbController, DbOperation, DbKeyRange, DbWriteOptions, DbEntry, StorageWriteOperation } from './controller/types.js';
export { Repository } from './repository.js';
export type { IdRange } from './repository.js';
export { BUCKET_PREFIX } from './keys.js';
