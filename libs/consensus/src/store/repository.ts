import { encodeCanonical } from '../encoding/canonical.js';
import type { DbController, DbOperation, DbWriteOptions } from './controller/types.js';
import { StoreCorruptionError, UnstorableValueError, type BucketName } from './errors.js';
import { BUCKET_PREFIX, decodeHeightId, encodeHeightId, keyToHex } from './keys.js';

/** A range of ids within one bucket: [gte, lt), each end open when left out. */
export interface IdRange<Id> {
  readonly gte?: Id;
  readonly lt?: Id;
  readonly limit?: number;
  readonly reverse?: boolean;
}

/**
 * One bucket of the store (Lodestar's abstractRepository): a key prefix, how ids and values
 * become bytes and back, and typed get/put/delete, batch operations and range scans over the
 * controller. A subclass supplies the four codecs and nothing else.
 *
 * Reading is where a damaged disk shows: any failure to decode a key or value, and any value
 * that contradicts its key, becomes a StoreCorruptionError naming the bucket and the key.
 */
export abstract class Repository<Id, T> {
  private readonly prefix: number;

  protected constructor(
    protected readonly db: DbController,
    readonly bucket: BucketName,
  ) {
    this.prefix = BUCKET_PREFIX[bucket];
  }

  /** The id's bytes, without the bucket prefix; must sort as the ids do. */
  protected abstract encodeId(id: Id): Uint8Array;
  protected abstract decodeId(bytes: Uint8Array): Id;
  abstract encodeValue(value: T): Uint8Array;
  /** Parses and checks a stored value; throws on anything wrong (the caller names the key). */
  protected abstract decodeValue(bytes: Uint8Array, id: Id): T;

  encodeKey(id: Id): Uint8Array {
    const body = this.encodeId(id);
    const key = new Uint8Array(1 + body.byteLength);
    key[0] = this.prefix;
    key.set(body, 1);
    return key;
  }

  decodeKey(key: Uint8Array): Id {
    if (key.byteLength === 0 || key[0] !== this.prefix) throw this.corruption(key, `key does not start with the bucket prefix ${this.prefix}`);
    try {
      return this.decodeId(key.subarray(1));
    } catch (error) {
      throw this.corruption(key, `key does not decode: ${(error as Error).message}`, error);
    }
  }

  /** decodeValue with the failure turned into a StoreCorruptionError naming this bucket and key. */
  decodeStored(id: Id, bytes: Uint8Array): T {
    try {
      return this.decodeValue(bytes, id);
    } catch (error) {
      throw this.corruption(this.encodeKey(id), (error as Error).message, error);
    }
  }

  async get(id: Id): Promise<T | null> {
    const bytes = await this.db.get(this.encodeKey(id));
    return bytes === null ? null : this.decodeStored(id, bytes);
  }

  /** The stored bytes, undecoded: for sizes, and for serving without re-encoding. */
  getBinary(id: Id): Promise<Uint8Array | null> {
    return this.db.get(this.encodeKey(id));
  }

  async getManyBinary(ids: readonly Id[]): Promise<(Uint8Array | null)[]> {
    return this.db.getMany(ids.map((id) => this.encodeKey(id)));
  }

  put(id: Id, value: T, options: DbWriteOptions): Promise<void> {
    return this.db.put(this.encodeKey(id), this.encodeValue(value), options);
  }

  delete(id: Id, options: DbWriteOptions): Promise<void> {
    return this.db.batch([this.deleteOp(id)], options);
  }

  /** Operations for one atomic DbController.batch spanning several buckets. */
  putOp(id: Id, value: T): DbOperation {
    return { type: 'put', key: this.encodeKey(id), value: this.encodeValue(value) };
  }

  putBinaryOp(id: Id, bytes: Uint8Array): DbOperation {
    return { type: 'put', key: this.encodeKey(id), value: bytes };
  }

  deleteOp(id: Id): DbOperation {
    return { type: 'del', key: this.encodeKey(id) };
  }

  async *entries(range: IdRange<Id> = {}): AsyncGenerator<readonly [Id, T]> {
    for await (const [key, bytes] of this.db.entries(this.keyRange(range))) {
      const id = this.decodeKey(key);
      yield [id, this.decodeStored(id, bytes)];
    }
  }

  /** Keys and stored bytes, undecoded: recovery reads a damaged store value by value. */
  async *rawEntries(range: IdRange<Id> = {}): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
    yield* this.db.entries(this.keyRange(range));
  }

  async *keys(range: IdRange<Id> = {}): AsyncGenerator<Id> {
    for await (const key of this.db.keys(this.keyRange(range))) yield this.decodeKey(key);
  }

  /**
   * The canonical CBOR bytes of `cbor` (the codec's form of `what`), refused with an
   * UnstorableValueError unless `readBack` accepts it and it fits `maxBytes`: what is written must read back.
   */
  protected encodeReadable(what: string, cbor: unknown, readBack: (cbor: unknown) => unknown, maxBytes: number): Uint8Array {
    try {
      readBack(cbor);
    } catch (error) {
      throw new UnstorableValueError(this.bucket, `${what}: ${(error as Error).message}`, { cause: error });
    }
    const bytes = encodeCanonical(cbor);
    if (bytes.byteLength > maxBytes) throw new UnstorableValueError(this.bucket, `${what} encodes to ${bytes.byteLength} bytes, above ${maxBytes}`);
    return bytes;
  }

  protected corruption(key: Uint8Array, problem: string, cause?: unknown): StoreCorruptionError {
    return new StoreCorruptionError(this.bucket, keyToHex(key), problem, cause === undefined ? undefined : { cause });
  }

  private keyRange(range: IdRange<Id>) {
    return {
      gte: range.gte === undefined ? Uint8Array.of(this.prefix) : this.encodeKey(range.gte),
      lt: range.lt === undefined ? Uint8Array.of(this.prefix + 1) : this.encodeKey(range.lt),
      ...(range.limit === undefined ? {} : { limit: range.limit }),
      ...(range.reverse === undefined ? {} : { reverse: range.reverse }),
    };
  }
}

/** A bucket keyed by block height (blocks, certificates, snapshots): big-endian, so scans run in height order. */
export abstract class HeightRepository<T> extends Repository<number, T> {
  protected encodeId(height: number): Uint8Array {
    return encodeHeightId(height);
  }

  protected decodeId(bytes: Uint8Array): number {
    return decodeHeightId(bytes);
  }
}
