import { LevelDbController } from '@consortium/consensus';
import { decodeRecordBatch, decodeSettlementCbor, encodeRecordBatch, encodeSettlementCbor, type BaselineRecord, type RecordBatch } from '@consortium/settlement';
import type { AgreementTerms, AnomalyRecord, CosignProposal, DetectionCursor, OwnBatch, TxOutcomeRecord, UnobservedBatch } from './types.js';

/**
 * The member's private data on its own node, never on chain and never sent to a third member:
 * the rate tables of its agreements (with their salts), proposals waiting for a counterparty's
 * signature, the raw records of the batches it billed or received, the outcome of the
 * transactions it executed, and the anomaly detection on its pairs' usage (the baselines, the
 * anomalies raised, the committed batches waiting to be observed and how far the detection
 * followed the chain: anomaly-detection.ts). One LevelDB of its own (`<dataDir>/private`), CBOR
 * values, keys `<kind>/<id>`. Writes are synced: an operator's submission acknowledged with 202
 * survives a crash.
 */

const VALUE_MAX_BYTES = 16 * 1024 * 1024;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

interface Kinds {
  readonly terms: AgreementTerms;
  readonly proposal: CosignProposal;
  readonly batch: OwnBatch;
  readonly txresult: TxOutcomeRecord;
  readonly baseline: BaselineRecord;
  readonly anomaly: AnomalyRecord;
  readonly unobserved: UnobservedBatch;
  readonly detection: DetectionCursor;
}
export type PrivateKind = keyof Kinds;
type Kind = PrivateKind;

/** One write of `putAll`. */
export type PrivateWrite = { readonly [K in Kind]: { readonly kind: K; readonly id: string; readonly value: Kinds[K] } }[Kind];

/** A batch is stored with its records encoded by the record exchange's own codec (validated on the way in and out). */
type StoredBatch = Omit<OwnBatch, 'records'> & { readonly records: Uint8Array };

export class PrivateStore {
  private constructor(private readonly db: LevelDbController) {}

  static async open(directory: string): Promise<PrivateStore> {
    return new PrivateStore(await LevelDbController.create(directory, { metrics: null }));
  }

  async get<K extends Kind>(kind: K, id: string): Promise<Kinds[K] | null> {
    const bytes = await this.db.get(keyOf(kind, id));
    return bytes === null ? null : decodeValue(kind, bytes);
  }

  async put<K extends Kind>(kind: K, id: string, value: Kinds[K]): Promise<void> {
    await this.db.put(keyOf(kind, id), encodeValue(kind, value), { sync: true });
  }

  /** Several writes and deletes, atomically: all of them are on disk, or none. */
  async putAll(writes: readonly PrivateWrite[], deletes: readonly { readonly kind: Kind; readonly id: string }[] = []): Promise<void> {
    if (writes.length === 0 && deletes.length === 0) return;
    await this.db.batch(
      [
        ...writes.map((w) => ({ type: 'put' as const, key: keyOf(w.kind, w.id), value: encodeValue(w.kind, w.value) })),
        ...deletes.map((d) => ({ type: 'del' as const, key: keyOf(d.kind, d.id) })),
      ],
      { sync: true },
    );
  }

  async delete(kind: Kind, id: string): Promise<void> {
    await this.db.batch([{ type: 'del', key: keyOf(kind, id) }], { sync: true });
  }

  /** Every record of a kind whose id starts with `idPrefix` (all of them by default), in key order. */
  async all<K extends Kind>(kind: K, idPrefix = ''): Promise<{ id: string; value: Kinds[K] }[]> {
    const found: { id: string; value: Kinds[K] }[] = [];
    const first = keyOf(kind, idPrefix);
    // Keys are UTF-8, and no UTF-8 byte is 0xff: every key with the prefix sorts below prefix + 0xff.
    const afterLast = new Uint8Array([...first, 0xff]);
    for await (const [key, value] of this.db.entries({ gte: first, lt: afterLast })) {
      found.push({ id: fromUtf8.decode(key).slice(kind.length + 1), value: decodeValue(kind, value) });
    }
    return found;
  }

  /**
   * Records of a kind whose id starts with `idPrefix`, from id `fromId` on (inclusive), in key
   * order, read lazily: a caller that stops early reads no further.
   */
  async *iterate<K extends Kind>(kind: K, options: { readonly idPrefix?: string; readonly fromId?: string } = {}): AsyncGenerator<{ id: string; value: Kinds[K] }> {
    const prefix = keyOf(kind, options.idPrefix ?? '');
    const from = options.fromId === undefined ? prefix : keyOf(kind, options.fromId);
    const first = Buffer.compare(from, prefix) > 0 ? from : prefix;
    for await (const [key, value] of this.db.entries({ gte: first, lt: new Uint8Array([...prefix, 0xff]) })) {
      yield { id: fromUtf8.decode(key).slice(kind.length + 1), value: decodeValue(kind, value) };
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function keyOf(kind: Kind, id: string): Uint8Array {
  return utf8.encode(`${kind}/${id}`);
}

function encodeValue<K extends Kind>(kind: K, value: Kinds[K]): Uint8Array {
  if (kind === 'batch') {
    const batch = value as OwnBatch;
    return encodeSettlementCbor({ ...batch, records: encodeRecordBatch(batch.records) } satisfies StoredBatch);
  }
  return encodeSettlementCbor(value);
}

function decodeValue<K extends Kind>(kind: K, bytes: Uint8Array): Kinds[K] {
  const value = decodeSettlementCbor(bytes, VALUE_MAX_BYTES, `private ${kind}`);
  if (kind === 'batch') {
    const stored = value as StoredBatch;
    return { ...stored, records: decodeRecordBatch(stored.records) satisfies RecordBatch } as Kinds[K];
  }
  return value as Kinds[K];
}
