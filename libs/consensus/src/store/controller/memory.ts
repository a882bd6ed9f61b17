import { toHex } from '../../crypto/hash.js';
import { StoreArgumentError, StoreClosedError } from '../errors.js';
import type { DbController, DbEntry, DbKeyRange, DbOperation, DbWriteOptions } from './types.js';

interface StoredEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

function lowerBound(sorted: readonly string[], hex: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < hex) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The keys sharing one first byte (one bucket of the store). Sorted only when scanned, and
 * only again after its key set changed: the big buckets (blocks, tx index) are read by key and
 * never scanned, so they never pay for order, while the scanned ones (WAL, snapshots) are small.
 */
class KeyspaceSlice {
  readonly byHex = new Map<string, StoredEntry>();
  private sorted: string[] | null = null;

  apply(hex: string, operation: DbOperation): void {
    if (operation.type === 'put') {
      if (!this.byHex.has(hex)) this.sorted = null;
      this.byHex.set(hex, { key: operation.key, value: operation.value });
    } else if (this.byHex.delete(hex)) {
      this.sorted = null;
    }
  }

  /** Lowercase hex sorts exactly as the bytes do (a prefix before its extensions): LevelDB's order. */
  sortedKeys(): readonly string[] {
    this.sorted ??= [...this.byHex.keys()].sort();
    return this.sorted;
  }

  clone(): KeyspaceSlice {
    const copy = new KeyspaceSlice();
    for (const [hex, entry] of this.byHex) copy.byHex.set(hex, entry);
    return copy;
  }
}

/** Byte-string keys to values, with LevelDB's bytewise order for range scans. */
class SortedBytesMap {
  private readonly slices = new Map<number, KeyspaceSlice>();

  get(key: Uint8Array): Uint8Array | null {
    if (key.byteLength === 0) return null;
    return this.slices.get(key[0]!)?.byHex.get(toHex(key))?.value ?? null;
  }

  apply(operation: DbOperation): void {
    // LevelDB has no use for an empty key and the store never makes one.
    if (operation.key.byteLength === 0) throw new StoreArgumentError('empty key');
    const first = operation.key[0]!;
    let slice = this.slices.get(first);
    if (slice === undefined) {
      slice = new KeyspaceSlice();
      this.slices.set(first, slice);
    }
    slice.apply(toHex(operation.key), operation);
  }

  /** Entries of [gte, lt), at most `limit`, copied out now: later writes do not show (LevelDB's snapshot). */
  range(range: DbKeyRange): DbEntry[] {
    const limit = range.limit ?? Number.POSITIVE_INFINITY;
    const reverse = range.reverse === true;
    if (range.lt.byteLength === 0) return [];
    const gteHex = toHex(range.gte);
    const ltHex = toHex(range.lt);
    const firstBytes: number[] = [];
    for (let first = range.gte.byteLength === 0 ? 0 : range.gte[0]!; first <= range.lt[0]!; first++) firstBytes.push(first);
    if (reverse) firstBytes.reverse();
    const found: DbEntry[] = [];
    for (const first of firstBytes) {
      const slice = this.slices.get(first);
      if (slice === undefined) continue;
      const sorted = slice.sortedKeys();
      const start = lowerBound(sorted, gteHex);
      const end = lowerBound(sorted, ltHex);
      for (let i = 0; i < end - start && found.length < limit; i++) {
        const entry = slice.byHex.get(sorted[reverse ? end - 1 - i : start + i]!)!;
        found.push([entry.key, entry.value]);
      }
      if (found.length >= limit) break;
    }
    return found;
  }

  clone(): SortedBytesMap {
    const copy = new SortedBytesMap();
    for (const [first, slice] of this.slices) copy.slices.set(first, slice.clone());
    return copy;
  }
}

/**
 * An in-memory controller for the deterministic simulator and unit tests: no I/O, no timers,
 * every method settles through promise microtasks only.
 *
 * It models what a power loss keeps the way LevelDB's log behaves: writes are appended in order,
 * and a synced write forces everything written before it to disk as well. So the durable state
 * is always a prefix of the writes, ending at the last synced one; the unsynced tail after it is
 * what a crash may lose. Stored and returned bytes are copies, as LevelDB's are, so a caller that
 * reuses a buffer cannot change what is stored.
 */
export class MemoryDbController implements DbController {
  private current = new SortedBytesMap();
  private durable = new SortedBytesMap();
  /** Writes since the last synced one, oldest first: applied to `current` only. */
  private unsyncedTail: DbOperation[] = [];
  private closed = false;

  /** Writes a power loss right now could drop. */
  get unsyncedWriteCount(): number {
    return this.unsyncedTail.length;
  }

  /**
   * A new controller holding what survives a power loss now: with `loseUnsyncedWrites`, the
   * state as of the last synced write; without, everything (the OS happened to flush it all).
   * This controller is unaffected and stays usable.
   */
  crashCopy(options: { readonly loseUnsyncedWrites: boolean }): MemoryDbController {
    const survivor = options.loseUnsyncedWrites ? this.durable : this.current;
    const copy = new MemoryDbController();
    copy.current = survivor.clone();
    copy.durable = survivor.clone();
    return copy;
  }

  /** Synchronous read, so a MemoryChainStore can open without awaiting. */
  getSync(key: Uint8Array): Uint8Array | null {
    this.assertOpen();
    return this.current.get(key)?.slice() ?? null;
  }

  get(key: Uint8Array): Promise<Uint8Array | null> {
    return this.settle(() => this.getSync(key));
  }

  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    return this.settle(() => keys.map((key) => this.getSync(key)));
  }

  put(key: Uint8Array, value: Uint8Array, options: DbWriteOptions): Promise<void> {
    return this.batch([{ type: 'put', key, value }], options);
  }

  batch(operations: readonly DbOperation[], options: DbWriteOptions): Promise<void> {
    return this.settle(() => this.write(operations, options.sync));
  }

  entries(range: DbKeyRange): AsyncIterableIterator<DbEntry> {
    this.assertOpen();
    return iterateCopies(this.current.range(range).map(([key, value]) => [key.slice(), value.slice()] as const));
  }

  keys(range: DbKeyRange): AsyncIterableIterator<Uint8Array> {
    this.assertOpen();
    return iterateCopies(this.current.range(range).map(([key]) => key.slice()));
  }

  close(): Promise<void> {
    return this.settle(() => {
      this.closed = true;
    });
  }

  private write(operations: readonly DbOperation[], sync: boolean): void {
    this.assertOpen();
    // Checked before anything is applied: a batch is all or nothing.
    if (operations.some((operation) => operation.key.byteLength === 0)) throw new StoreArgumentError('empty key');
    const copied = operations.map(copyOperation);
    for (const operation of copied) this.current.apply(operation);
    if (!sync) {
      for (const operation of copied) this.unsyncedTail.push(operation);
      return;
    }
    for (const operation of this.unsyncedTail) this.durable.apply(operation);
    for (const operation of copied) this.durable.apply(operation);
    this.unsyncedTail = [];
  }

  /** Runs `work` now and hands its result (or error) back as a settled promise: microtasks only. */
  private settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function copyOperation(operation: DbOperation): DbOperation {
  return operation.type === 'put' ? { type: 'put', key: operation.key.slice(), value: operation.value.slice() } : { type: 'del', key: operation.key.slice() };
}

/** An async iterator over entries copied out when the scan started; each step is one microtask. */
function iterateCopies<T>(items: readonly T[]): AsyncIterableIterator<T> {
  let next = 0;
  const iterator: AsyncIterableIterator<T> = {
    next: () => Promise.resolve(next < items.length ? { done: false, value: items[next++]! } : { done: true, value: undefined }),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
