import type { ChainStorePort } from './ports.js';

/**
 * The durable record of the client transactions a node acknowledges (the store's pending_txs
 * bucket), written before the acknowledgement. Writes are serial and coalesced (group commit):
 * while one batch is being written, every transaction submitted meanwhile waits for the next,
 * so a burst of submits (the batch endpoint takes 2,000 at once) costs a few batches, not one
 * write each, and an idle node's one client waits for one write.
 *
 * Deletes (transactions a restart found committed or invalid, or a recheck dropped) go through
 * the same queue, so a delete issued after a save of the same transaction lands after it.
 */

/** Bounds of one write batch. */
export interface PendingTxJournalLimits {
  readonly batchMaxTxs: number;
  readonly batchMaxBytes: number;
}

export interface PendingTxJournalOptions {
  /** sync: true survives a power loss as well as a crash of the process (measured in tools/bench/pending-txs.bench.ts). */
  readonly sync: boolean;
  readonly limits: PendingTxJournalLimits;
  /** A delete that failed: the entries stay until a restart re-admits and deletes them again. */
  readonly onDeleteFailed: (error: unknown, txs: number) => void;
}

interface SaveOperation {
  readonly kind: 'save';
  readonly tx: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface DeleteOperation {
  readonly kind: 'delete';
  readonly hashes: readonly Uint8Array[];
}

type JournalOperation = SaveOperation | DeleteOperation;

export class PendingTxJournal {
  /** Bounded by the mempool: one save per client transaction it accepted and the node has not answered yet. */
  private readonly queue: JournalOperation[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<ChainStorePort, 'savePendingTxs' | 'deletePendingTxs'>,
    private readonly options: PendingTxJournalOptions,
  ) {
    if (!Number.isSafeInteger(options.limits.batchMaxTxs) || options.limits.batchMaxTxs < 1) throw new RangeError('batchMaxTxs must be a positive integer');
    if (!Number.isSafeInteger(options.limits.batchMaxBytes) || options.limits.batchMaxBytes < 1) throw new RangeError('batchMaxBytes must be a positive integer');
  }

  /** Resolves once `tx` is in the store; rejects with the write's error (then nothing of its batch was written). */
  save(tx: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'save', tx, resolve, reject });
      this.startDraining();
    });
  }

  /** Forgets these transactions, after every save queued before. */
  forget(hashes: readonly Uint8Array[]): void {
    if (hashes.length === 0) return;
    this.queue.push({ kind: 'delete', hashes });
    this.startDraining();
  }

  /** Resolves when every write queued so far has settled. */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  private startDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
  }

  private async drain(): Promise<void> {
    // One microtask first: the submits answered in the same turn share the first batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      if (this.queue[0]!.kind === 'save') await this.writeSaves(this.takeSaves());
      else await this.writeDeletes(this.takeDeletes());
    }
  }

  /** The leading saves, within the batch limits (at least one, whatever its size). */
  private takeSaves(): SaveOperation[] {
    const { batchMaxTxs, batchMaxBytes } = this.options.limits;
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < batchMaxTxs) {
      const operation = this.queue[count]!;
      if (operation.kind !== 'save') break;
      if (count > 0 && bytes + operation.tx.byteLength > batchMaxBytes) break;
      bytes += operation.tx.byteLength;
      count += 1;
    }
    return this.queue.splice(0, count) as SaveOperation[];
  }

  /** The leading deletes, merged up to batchMaxTxs hashes (a single larger one is written whole). */
  private takeDeletes(): Uint8Array[] {
    const hashes: Uint8Array[] = [];
    let count = 0;
    while (count < this.queue.length) {
      const operation = this.queue[count]!;
      if (operation.kind !== 'delete' || (count > 0 && hashes.length + operation.hashes.length > this.options.limits.batchMaxTxs)) break;
      for (const hash of operation.hashes) hashes.push(hash);
      count += 1;
    }
    this.queue.splice(0, count);
    return hashes;
  }

  private async writeSaves(saves: readonly SaveOperation[]): Promise<void> {
    try {
      await this.store.savePendingTxs(
        saves.map((save) => save.tx),
        this.options.sync,
      );
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const save of saves) save.reject(failure);
      return;
    }
    for (const save of saves) save.resolve();
  }

  private async writeDeletes(hashes: readonly Uint8Array[]): Promise<void> {
    try {
      await this.store.deletePendingTxs(hashes);
    } catch (error) {
      this.options.onDeleteFailed(error, hashes.length);
    }
  }
}
