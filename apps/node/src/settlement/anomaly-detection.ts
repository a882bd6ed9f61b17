import { bytesEqual } from '@consortium/consensus';
import {
  observeRecordBatch,
  recordsDigest,
  type BaselineRecord,
  type BatchRecord,
  type CommittedSettlementBlock,
  type DirectionBaselines,
  type MapState,
  type MemberId,
  type RecordBatch,
} from '@consortium/settlement';
import type { SettlementMetrics } from '@consortium/telemetry';
import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import type { Logger } from 'pino';
import type { PrivateStore, PrivateWrite } from './private-store.js';
import type { AnomalyRecord, DetectionCursor, OwnBatch } from './types.js';

/**
 * Usage anomaly detection on this member's own pairs (T33: the chain holds no volumes, so only
 * the two parties can run it, on the records they hold). Per direction (creditor -> debtor), the
 * committed batches are observed one after the other in on-chain commit order with the pure
 * observeRecordBatch of @consortium/settlement, so the creditor's node and the debtor's node
 * fold the same sequence and raise the same anomalies:
 *
 * - every committed block queues its batches of this member's pairs (`unobserved`, keyed so
 *   that key order is commit order: height, then period, then firstId);
 * - a direction observes its oldest queued batch once this node holds that batch's records
 *   (the creditor: its own, at once; the debtor: when they arrived and passed
 *   checkReceivedBatch), then the next, and stops at the first whose records are not here: a
 *   later batch whose records arrived early waits for the earlier ones;
 * - an observation writes the direction's baselines, its anomalies and the batch leaving the
 *   queue in one atomic putAll (with the debtor's received batch itself when it is the one
 *   observed), so a restart neither repeats an observation nor loses one.
 *
 * Commit order within one block: the batches of one chain (creditor, debtor, period) are in
 * firstId order there, as the chain requires; batches of two periods in one block are taken in
 * period order. The state keeps a batch's height, not its position in the block, and this rule
 * lets a node that missed blocks (a crash between the state's commit and the queue's write, a
 * snapshot restore) rebuild the same order from the state alone.
 *
 * All work runs one task at a time (the tasks read and write the same records). A task that
 * fails is logged and changes nothing: the next block or delivery retries it.
 */

export interface AnomalyDetectionOptions {
  readonly self: MemberId;
  readonly store: PrivateStore;
  /** The committed settlement state and its height (the node's SettlementApplication). */
  readonly chain: { readonly state: MapState; readonly committedHeight: number };
  readonly metrics: Pick<SettlementMetrics, 'anomaliesTotal'> | null;
  readonly logger: Logger;
}

/** Which anomalies a reader may see: those of pairs its member is a party of; nobody else any. */
export type AnomalyReader = { readonly member: MemberId } | null;

export interface AnomalyFilter {
  /** Only anomalies after this sequence number (0: from the first). */
  readonly afterSeq?: number;
  /** Only anomalies of pairs this member is a party of. */
  readonly member?: MemberId;
  readonly limit: number;
}

const CURSOR_ID = 'node';
const NO_CURSOR: DetectionCursor = { followedHeight: 0, anomalies: 0 };
/** Digits of the zero-padded parts of a queue key: heights below 10^12, record ids below 2^64 (20 digits). */
const HEIGHT_DIGITS = 12;
const RECORD_ID_DIGITS = 20;
const SEQ_DIGITS = 12;

/** `creditor>debtor`: one direction of a pair. */
export const directionOf = (creditor: MemberId, debtor: MemberId): string => `${creditor}>${debtor}`;
/** The anomaly id of sequence number `seq`: zero-padded so ids sort in the order raised. */
export const anomalyIdOf = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');
const baselineIdOf = (direction: string, service: string) => `${direction}/${service}`;
/** The queue key of a committed batch: its direction, then the order it is observed in. */
const unobservedIdOf = (batch: BatchRecord) =>
  `${directionOf(batch.creditor, batch.debtor)}/${String(batch.height).padStart(HEIGHT_DIGITS, '0')}/${batch.period}/${batch.firstId.toString().padStart(RECORD_ID_DIGITS, '0')}`;

export class AnomalyDetection {
  private tail: Promise<void> = Promise.resolve();
  private readonly listeners: ((anomaly: AnomalyRecord) => void)[] = [];
  private closed = false;

  constructor(private readonly options: AnomalyDetectionOptions) {}

  /** Calls `listener` with each anomaly once it is stored (the node's event stream publishes it to the pair's operators). */
  onAnomaly(listener: (anomaly: AnomalyRecord) => void): void {
    this.listeners.push(listener);
  }

  /** After a committed block (in order): queues its batches of this member's pairs, then observes what it can. */
  blockCommitted(block: CommittedSettlementBlock): Promise<void> {
    return this.run(`following block ${block.height}`, async () => {
      const committed = block.events.flatMap((event) => {
        if (event.type !== 'batch_committed') return [];
        const batch = this.options.chain.state.get('batch', event.batchId);
        return batch !== undefined && this.isParty(batch) ? [batch] : [];
      });
      const directions = await this.follow(block.height, committed);
      for (const direction of directions) await this.drain(direction);
    });
  }

  /**
   * The debtor's node received a batch's records, checked against the chain: stores them, in
   * the same write as their observation when they are their direction's next batch, and
   * observes the batches after them whose records were here already. Resolves once stored.
   */
  recordsReceived(received: OwnBatch & { readonly role: 'debtor' }): Promise<void> {
    const batch = this.options.chain.state.get('batch', received.batchId);
    const direction = batch === undefined ? null : directionOf(batch.creditor, batch.debtor);
    return this.run(
      `storing the records of ${received.batchId}`,
      async () => {
        if (direction === null) await this.options.store.put('batch', received.batchId, received);
        else await this.drain(direction, received);
      },
      // Refused, not skipped: the creditor takes a resolved delivery as done and would never send them again.
      'refuse',
    );
  }

  /**
   * After a (re)start: queues the batches of the blocks committed since the queue's last write
   * (the node stopped between the two, or restored a snapshot), then observes every direction
   * with queued batches.
   */
  resume(): Promise<void> {
    return this.run('resuming', async () => {
      await this.follow(this.options.chain.committedHeight, null);
      const directions = new Set<string>();
      for await (const { id } of this.options.store.iterate('unobserved')) directions.add(id.slice(0, id.indexOf('/')));
      for (const direction of directions) await this.drain(direction);
    });
  }

  close(): void {
    this.closed = true;
  }

  /** Resolves once every task queued so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** The anomalies `reader` may see, in the order raised: a party's, of its pairs; anyone else none. */
  async anomalies(reader: AnomalyReader, filter: AnomalyFilter): Promise<AnomalyRecord[]> {
    if (reader === null) return [];
    const found: AnomalyRecord[] = [];
    for await (const { value } of this.options.store.iterate('anomaly', { fromId: anomalyIdOf((filter.afterSeq ?? 0) + 1) })) {
      const parties = [value.creditor, value.debtor];
      if (!parties.includes(reader.member) || (filter.member !== undefined && !parties.includes(filter.member))) continue;
      found.push(value);
      if (found.length >= filter.limit) break;
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Runs `task` after the tasks before it; the promise rejects when it fails (the failure is
   * logged either way, and the next task runs). Once closed, a task is skipped, or refused
   * (rejects) when its caller must not take it as done.
   */
  private run(what: string, task: () => Promise<void>, whenClosed: 'skip' | 'refuse' = 'skip'): Promise<void> {
    const done = this.tail.then(async () => {
      if (!this.closed) await task();
      else if (whenClosed === 'refuse') throw new Error(`the node is stopping: ${what} is refused`);
    });
    this.tail = done.catch((error: unknown) => this.options.logger.error({ err: error }, `anomaly detection: ${what} failed; the next block or delivery retries it`));
    return done;
  }

  private isParty(batch: Pick<BatchRecord, 'creditor' | 'debtor'>): boolean {
    return batch.creditor === this.options.self || batch.debtor === this.options.self;
  }

  /**
   * Queues `committed` (the batches of block `height`; null: read them from the state) and those
   * of any block between the last followed height and it, in one write with the new followed
   * height. A height followed before (a replayed block) queues nothing. Returns the directions
   * that got batches.
   */
  private async follow(height: number, committed: readonly BatchRecord[] | null): Promise<Set<string>> {
    const cursor = (await this.options.store.get('detection', CURSOR_ID)) ?? NO_CURSOR;
    if (height <= cursor.followedHeight) return new Set();
    const scannedTo = committed === null ? height : height - 1;
    const missed = scannedTo > cursor.followedHeight ? this.committedBetween(cursor.followedHeight, scannedTo) : [];
    if (missed.length > 0) this.options.logger.info({ fromHeight: cursor.followedHeight + 1, toHeight: scannedTo, batches: missed.length }, 'anomaly detection: queued the batches of blocks it had not followed');
    const batches = [...missed, ...(committed ?? [])];
    await this.options.store.putAll([
      ...batches.map((batch): PrivateWrite => ({ kind: 'unobserved', id: unobservedIdOf(batch), value: { batchId: batch.id } })),
      { kind: 'detection', id: CURSOR_ID, value: { ...cursor, followedHeight: height } },
    ]);
    return new Set(batches.map((batch) => directionOf(batch.creditor, batch.debtor)));
  }

  /** This member's pairs' batches committed at heights from + 1 .. to, from the state (a scan: only after missed blocks). */
  private committedBetween(from: number, to: number): BatchRecord[] {
    const found: BatchRecord[] = [];
    for (const batch of this.options.chain.state.all('batch')) if (batch.height > from && batch.height <= to && this.isParty(batch)) found.push(batch);
    return found;
  }

  /**
   * Observes the direction's queued batches in order, up to the first whose records this node
   * does not hold yet. `received`: the debtor's batch just received, stored with its observation
   * when it is observed here, on its own otherwise.
   */
  private async drain(direction: string, received: OwnBatch | null = null): Promise<void> {
    const { store } = this.options;
    let baselines: DirectionBaselines | null = null;
    let cursor: DetectionCursor | null = null;
    let pending = received;
    // The iterator reads a snapshot of the queue taken when it starts: bounded by the batches queued then.
    for await (const entry of store.iterate('unobserved', { idPrefix: `${direction}/` })) {
      const batch = this.options.chain.state.get('batch', entry.value.batchId);
      if (batch === undefined) {
        // Only while this node's state is behind its queue (its settlement database rebuilt by replay): later blocks catch up.
        this.options.logger.warn({ batchId: entry.value.batchId }, 'anomaly detection: a queued batch is not in the committed state yet; the direction waits');
        break;
      }
      const storing = pending?.batchId === batch.id ? pending : null;
      const records = storing?.records ?? (await this.recordsOf(batch));
      if (records === null) break;
      baselines ??= await this.baselinesOf(direction);
      cursor ??= (await store.get('detection', CURSOR_ID)) ?? NO_CURSOR;
      const observation = observeRecordBatch(baselines, records);
      const anomalies = observation.anomalies.map((anomaly, i): AnomalyRecord => ({
        seq: cursor!.anomalies + i + 1,
        kind: anomaly.kind,
        creditor: batch.creditor,
        debtor: batch.debtor,
        service: anomaly.service,
        batchId: batch.id,
        period: batch.period,
        volume: anomaly.volume,
        baseline: anomaly.baseline,
        height: batch.height,
        timeMs: batch.timeMs,
      }));
      const next: DetectionCursor = { ...cursor, anomalies: cursor.anomalies + anomalies.length };
      await store.putAll(
        [
          ...SETTLEMENT_SERVICES.map((service): PrivateWrite => ({ kind: 'baseline', id: baselineIdOf(direction, service), value: observation.baselines[service] })),
          ...anomalies.map((anomaly): PrivateWrite => ({ kind: 'anomaly', id: anomalyIdOf(anomaly.seq), value: anomaly })),
          ...(anomalies.length > 0 ? [{ kind: 'detection', id: CURSOR_ID, value: next } satisfies PrivateWrite] : []),
          ...(storing === null ? [] : [{ kind: 'batch', id: storing.batchId, value: storing } satisfies PrivateWrite]),
        ],
        [{ kind: 'unobserved', id: entry.id }],
      );
      if (storing !== null) pending = null;
      baselines = observation.baselines;
      cursor = next;
      for (const anomaly of anomalies) this.raised(anomaly);
    }
    if (pending !== null) await store.put('batch', pending.batchId, pending);
  }

  /** The records of a committed batch, if this node holds exactly those the chain committed (the creditor's own, or what the debtor received and checked). */
  private async recordsOf(batch: BatchRecord): Promise<RecordBatch | null> {
    const own = await this.options.store.get('batch', batch.id);
    if (own === null) return null;
    if (!bytesEqual(recordsDigest(own.records), batch.recordsDigest)) {
      this.options.logger.warn({ batchId: batch.id, status: own.status }, 'anomaly detection: the records this node holds are not those the chain committed; the direction waits');
      return null;
    }
    return own.records;
  }

  private async baselinesOf(direction: string): Promise<DirectionBaselines> {
    const baselines: Partial<Record<SettlementService, BaselineRecord>> = {};
    for (const service of SETTLEMENT_SERVICES) {
      const baseline = await this.options.store.get('baseline', baselineIdOf(direction, service));
      if (baseline !== null) baselines[service] = baseline;
    }
    return baselines;
  }

  private raised(anomaly: AnomalyRecord): void {
    this.options.metrics?.anomaliesTotal.inc({ kind: anomaly.kind, service: anomaly.service });
    this.options.logger.warn({ anomaly: { ...anomaly, volume: anomaly.volume.toString(), baseline: anomaly.baseline.toString() } }, `usage anomaly: ${anomaly.kind} of ${anomaly.service} on ${anomaly.creditor} -> ${anomaly.debtor}`);
    for (const listener of this.listeners) listener(anomaly);
  }
}
