import type { StorageMetrics } from '@consortium/telemetry';

/**
 * The bytes-only key-value layer under the repositories (Lodestar's DatabaseController): keys and
 * values are opaque bytes, a missing key reads as null, and a batch is atomic. Two
 * implementations: LevelDbController (classic-level, on disk) and MemoryDbController (the
 * simulator's, with a model of what a power loss keeps).
 */

export type DbOperation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/** What a write is, for the storage metrics; unmeasured writes (pruning) leave it out. */
export type StorageWriteOperation = Parameters<StorageMetrics['writeDurationSeconds']['labels']>[0]['operation'];

export interface DbWriteOptions {
  /**
   * true: the write (and, as with LevelDB's log, every write before it) is on disk when the
   * promise resolves. false: it sits in the OS cache and a power loss may drop it.
   */
  readonly sync: boolean;
  readonly operation?: StorageWriteOperation;
}

/** A half-open key range [gte, lt) as most scans need; `limit` bounds the entries returned. */
export interface DbKeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
  readonly limit?: number;
  readonly reverse?: boolean;
}

export type DbEntry = readonly [key: Uint8Array, value: Uint8Array];

export interface DbController {
  get(key: Uint8Array): Promise<Uint8Array | null>;
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  put(key: Uint8Array, value: Uint8Array, options: DbWriteOptions): Promise<void>;
  /** All or nothing. */
  batch(operations: readonly DbOperation[], options: DbWriteOptions): Promise<void>;
  /** Entries in key order (or reverse), read from a consistent snapshot taken when the scan starts. */
  entries(range: DbKeyRange): AsyncIterable<DbEntry>;
  keys(range: DbKeyRange): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

/** Bytes a batch adds to the store, for consortium_storage_written_bytes_total. */
export function operationsBytes(operations: readonly DbOperation[]): number {
  let total = 0;
  for (const operation of operations) total += operation.key.byteLength + (operation.type === 'put' ? operation.value.byteLength : 0);
  return total;
}
