import { LevelDbController, type DbOperation } from '@consortium/consensus';
import { decodeSettlementCbor, encodeSettlementCbor } from '../encoding/cbor.js';
import { SettlementStateCorruptionError } from '../errors.js';
import { SETTLEMENT_LIMITS_TABLE } from '../limits.js';
import { parseStateKey } from '../state/store.js';

/**
 * The application's own LevelDB (a folder of its own under the node's data dir): one entry per
 * state record under `s:<kind>/<id>`, and the head (height and app hash of the last committed
 * block) under `h`. A block's records and the new head are one atomic batch, so the database
 * always holds the state of one committed height. Writes are not synced: a power loss may lose
 * the last blocks, and consensus's start-up replays them from its synced block store.
 */

const RECORD_PREFIX = 's:';
const HEAD_KEY = new Uint8Array(Buffer.from('h'));
/** The chain the database belongs to, written with its genesis state. */
const CHAIN_KEY = new Uint8Array(Buffer.from('c'));
const HEAD_MAX_BYTES = 1024;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });
const recordKey = (key: string) => utf8.encode(`${RECORD_PREFIX}${key}`);
const RECORD_RANGE = { gte: utf8.encode(RECORD_PREFIX), lt: utf8.encode('s;') };

export interface StoredHead {
  readonly height: number;
  readonly appHash: Uint8Array;
}

export class SettlementDb {
  private constructor(private readonly db: LevelDbController) {}

  static async open(directory: string): Promise<SettlementDb> {
    return new SettlementDb(await LevelDbController.create(directory, { metrics: null }));
  }

  async head(): Promise<StoredHead | null> {
    const bytes = await this.db.get(HEAD_KEY);
    if (bytes === null) return null;
    const value = this.decode(bytes, HEAD_MAX_BYTES, 'the head') as { h?: unknown; a?: unknown };
    if (typeof value.h !== 'number' || !Number.isSafeInteger(value.h) || value.h < 0 || !(value.a instanceof Uint8Array) || value.a.byteLength !== 32) {
      throw new SettlementStateCorruptionError('the settlement database head is not { height, appHash }');
    }
    return { height: value.h, appHash: value.a };
  }

  async chainId(): Promise<string | null> {
    const bytes = await this.db.get(CHAIN_KEY);
    return bytes === null ? null : fromUtf8.decode(bytes);
  }

  /** Writes the genesis state of chain `chainId`. */
  async initialise(chainId: string, records: ReadonlyMap<string, unknown>, head: StoredHead): Promise<void> {
    await this.db.put(CHAIN_KEY, utf8.encode(chainId), { sync: true });
    await this.replace(records, head);
  }

  /** Every record, keyed `kind/id`. */
  async load(): Promise<Map<string, unknown>> {
    const records = new Map<string, unknown>();
    for await (const [key, value] of this.db.entries(RECORD_RANGE)) {
      const name = fromUtf8.decode(key).slice(RECORD_PREFIX.length);
      if (parseStateKey(name) === null) throw new SettlementStateCorruptionError(`the settlement database holds an unknown key ${JSON.stringify(name)}`);
      records.set(name, this.decode(value, SETTLEMENT_LIMITS_TABLE.stateRecordMaxBytes, name));
    }
    return records;
  }

  /** Writes a block's records and the new head atomically. */
  async commit(writes: ReadonlyMap<string, unknown>, head: StoredHead): Promise<void> {
    const operations: DbOperation[] = [];
    for (const [key, value] of writes) operations.push({ type: 'put', key: recordKey(key), value: encodeSettlementCbor(value) });
    operations.push(headOperation(head));
    await this.db.batch(operations, { sync: false });
  }

  /** Replaces the whole state (a snapshot restore, or the genesis state) atomically. */
  async replace(records: ReadonlyMap<string, unknown>, head: StoredHead): Promise<void> {
    const operations: DbOperation[] = [];
    for await (const key of this.db.keys(RECORD_RANGE)) operations.push({ type: 'del', key });
    for (const [key, value] of records) operations.push({ type: 'put', key: recordKey(key), value: encodeSettlementCbor(value) });
    operations.push(headOperation(head));
    await this.db.batch(operations, { sync: true });
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private decode(bytes: Uint8Array, maxBytes: number, what: string): unknown {
    try {
      return decodeSettlementCbor(bytes, maxBytes, what);
    } catch (error) {
      throw new SettlementStateCorruptionError(`the settlement database entry ${what} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  }
}

function headOperation(head: StoredHead): DbOperation {
  return { type: 'put', key: HEAD_KEY, value: encodeSettlementCbor({ h: head.height, a: head.appHash }) };
}
