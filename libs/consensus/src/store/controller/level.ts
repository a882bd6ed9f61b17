import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import type { StorageMetrics } from '@consortium/telemetry';
import { isDiskFull, StoreDamagedError, StoreDiskFullError, StoreLockedError } from '../errors.js';
import { operationsBytes, type DbController, type DbEntry, type DbKeyRange, type DbOperation, type DbWriteOptions } from './types.js';

/** LevelDB files sit flat in their directory; far more than this means it is not a LevelDB directory. */
const MAX_DIRECTORY_FILES = 100_000;

/**
 * classic-level (LevelDB) behind the bytes-only controller interface (Lodestar's
 * `controller/level.ts`). The 'view' encodings hand Uint8Arrays through untouched, so nothing
 * here knows what a key or value means. Every write is timed and its bytes counted, by the
 * operation the caller names.
 */
export class LevelDbController implements DbController {
  private constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    readonly directory: string,
    private readonly metrics: StorageMetrics | null,
  ) {}

  /** Opens the LevelDB directory, creating it unless `createIfMissing` is false (recovery reads only what exists). */
  static async create(directory: string, options: { readonly metrics: StorageMetrics | null; readonly createIfMissing?: boolean }): Promise<LevelDbController> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: options.createIfMissing ?? true });
    try {
      await db.open();
    } catch (error) {
      throw openFailure(directory, error);
    }
    return new LevelDbController(db, directory, options.metrics);
  }

  async get(key: Uint8Array): Promise<Uint8Array | null> {
    const value = await this.db.get(key);
    return value === undefined ? null : plainBytes(value);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    if (keys.length === 0) return [];
    const values = await this.db.getMany([...keys]);
    return values.map((value) => (value === undefined ? null : plainBytes(value)));
  }

  async put(key: Uint8Array, value: Uint8Array, options: DbWriteOptions): Promise<void> {
    const startMs = performance.now();
    await this.db.put(key, value, { sync: options.sync });
    this.measure(options, startMs, key.byteLength + value.byteLength);
  }

  async batch(operations: readonly DbOperation[], options: DbWriteOptions): Promise<void> {
    if (operations.length === 0) return;
    const startMs = performance.now();
    await this.db.batch(
      operations.map((operation) => (operation.type === 'put' ? { type: 'put' as const, key: operation.key, value: operation.value } : { type: 'del' as const, key: operation.key })),
      { sync: options.sync },
    );
    this.measure(options, startMs, operationsBytes(operations));
  }

  async *entries(range: DbKeyRange): AsyncGenerator<DbEntry> {
    // A for-await that stops early calls return(), which closes the native iterator.
    for await (const [key, value] of this.db.iterator(levelRange(range))) yield [plainBytes(key), plainBytes(value)];
  }

  async *keys(range: DbKeyRange): AsyncGenerator<Uint8Array> {
    for await (const key of this.db.keys(levelRange(range))) yield plainBytes(key);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Sum of the sizes of the files in the LevelDB directory; also sets consortium_storage_db_size_bytes. */
  async sizeOnDiskBytes(): Promise<number> {
    const files = await readdir(this.directory, { withFileTypes: true });
    if (files.length > MAX_DIRECTORY_FILES) throw new Error(`${this.directory} holds ${files.length} files: not a LevelDB directory?`);
    let total = 0;
    for (const file of files) {
      if (!file.isFile()) continue;
      // A file can vanish between readdir and stat (LevelDB compaction deletes old tables).
      const size = await stat(join(this.directory, file.name)).then(
        (stats) => stats.size,
        () => 0,
      );
      total += size;
    }
    this.metrics?.dbSizeBytes.set(total);
    return total;
  }

  private measure(options: DbWriteOptions, startMs: number, bytes: number): void {
    if (this.metrics === null || options.operation === undefined) return;
    const labels = { operation: options.operation };
    this.metrics.writeDurationSeconds.observe(labels, (performance.now() - startMs) / 1000);
    this.metrics.writtenBytesTotal.inc(labels, bytes);
  }
}

/**
 * The 'view' encoding hands back Node Buffers. The store promises plain Uint8Arrays, as the
 * memory controller gives: Buffer differs where it matters (its slice() is a view, not a copy)
 * and in deep equality. A view over the same memory costs nothing.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function levelRange(range: DbKeyRange): { gte: Uint8Array; lt: Uint8Array; reverse: boolean; limit?: number } {
  return { gte: range.gte, lt: range.lt, reverse: range.reverse ?? false, ...(range.limit === undefined ? {} : { limit: range.limit }) };
}

/**
 * What a failed open means, from the codes abstract-level puts on the cause of its
 * LEVEL_DATABASE_NOT_OPEN error: a lock another process holds, or files LevelDB cannot use.
 */
function openFailure(directory: string, error: unknown): Error {
  const cause = (error as { readonly cause?: { readonly code?: unknown; readonly message?: unknown } }).cause;
  const problem = typeof cause?.message === 'string' ? cause.message : String(error);
  if (cause?.code === 'LEVEL_LOCKED') return new StoreLockedError(directory, { cause: error });
  // Checked before damage: LevelDB reports a full disk as an IO error, but nothing is damaged.
  if (isDiskFull(error)) return new StoreDiskFullError(directory, { cause: error });
  if (cause?.code === 'LEVEL_CORRUPTION' || cause?.code === 'LEVEL_IO_ERROR') return new StoreDamagedError(directory, problem, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
