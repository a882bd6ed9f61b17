import type { AppInfo, Application, CheckTxResult, FinalizeBlockResult } from '../application.js';
import { KeyValueApplication } from '../kv-app.js';
import type { ChainStorePort } from '../node/ports.js';
import type { BlockHeader, CommittedBlock } from '../types.js';

/**
 * Wrappers around the ports a ConsensusNode takes (store, application), through which the
 * simulator injects faults in the middle of an operation: the process dies right after a step
 * completed and before the next one starts (the wrapped call never returns), a write fails as
 * on a full disk, or a read fails while the node starts. The transport's crash point (in the
 * middle of a broadcast) sits in SimTransport.
 */

/** Where a process can die in the middle of an operation. */
export const CRASH_POINTS = [
  /** An own signed vote or proposal is in the WAL, synced, and was never sent. */
  'wal-synced-before-send',
  /** A peer's message is in the WAL (maybe unsynced) and was never applied. */
  'wal-input-before-apply',
  /** The application executed the block; the store does not have it. */
  'block-executed-before-stored',
  /** The store has the block and its certificate; the application has not committed it. */
  'block-stored-before-app-commit',
  /** The application committed; its snapshot for the height is not stored. */
  'app-committed-before-snapshot',
  /** The snapshot is stored; the WAL of the height is not pruned and the commit not announced. */
  'snapshot-saved-before-wal-prune',
  /** A broadcast reached some members and not the others. */
  'mid-broadcast',
  /** A client's transaction is in the store (pending_txs); the client was never answered. */
  'pending-tx-stored-before-ack',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The store writes that can fail as on a full disk. */
export type StoreWrite = 'appendWal' | 'appendSignedWal' | 'saveCommittedBlock' | 'saveAppSnapshot' | 'saveEvidence' | 'savePendingTxs' | 'deletePendingTxs';

/**
 * Writes a node survives: a client's transaction it could not store is refused (not
 * acknowledged), and a delete that failed is done again after a restart. Consensus does not
 * depend on them, so they do not stop the node (fatal means stop applies to the others).
 */
export const REFUSABLE_WRITES: ReadonlySet<StoreWrite> = new Set<StoreWrite>(['savePendingTxs', 'deletePendingTxs']);

/** What one node incarnation's fault plan decides, asked by the wrappers. */
export interface IncarnationFaults {
  /** True once the process died: every wrapped call then hangs, so nothing of it runs on. */
  readonly dead: boolean;
  /** True when the process dies at this point now (the simulator has already crashed it). */
  crashesAt(point: CrashPoint): boolean;
  /** The error a write fails with now (nothing written), or null. */
  writeFails(operation: StoreWrite): Error | null;
  /** The error a read fails with now, or null (only while the node starts). */
  readFails(operation: string): Error | null;
  /** The disk is slow (slow-disk): writes queue in order, and each takes writeLatencyMs. */
  readonly slowDisk: boolean;
  /** How long this write takes now, in virtual ms (0: at once). */
  writeLatencyMs(operation: StoreWrite, synced: boolean): number;
  /** Resolves after `delayMs` of virtual time; never, if the process dies meanwhile. */
  sleep(delayMs: number): Promise<void>;
}

/** A promise that never settles: the rest of a dead process's call chain never runs. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Sees what the node writes to its WAL (the simulator's resource bounds). */
export interface WalObserver {
  appended(height: number, entry: Uint8Array): void;
  pruned(belowHeight: number): void;
  /** A signed message and its last-signed record were not written (nothing was): the signature never leaves the process. */
  signedWriteFailed?(): void;
  /** A signed message and its last-signed record are on disk. */
  signedWriteDone?(): void;
}

export class FaultyStore implements ChainStorePort {
  /** With a slow disk, the last queued write: writes reach the disk in the order issued, one at a time (LevelDB's writer queue). */
  private diskTail: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: ChainStorePort,
    private readonly faults: IncarnationFaults,
    private readonly wal: WalObserver | null,
  ) {}

  latestHeight(): number {
    return this.inner.latestHeight();
  }

  private async write(operation: StoreWrite, run: () => Promise<void>, synced: boolean): Promise<void> {
    if (this.faults.dead) return never();
    const failure = this.faults.writeFails(operation);
    if (failure !== null) throw failure;
    if (this.faults.slowDisk) {
      await this.slowly(operation, synced, run);
    } else {
      await run();
    }
    if (this.faults.dead) return never();
  }

  /**
   * Waits for the writes queued before this one, then for this write's latency, then writes. A
   * process that dies meanwhile never writes it (the write had not reached the disk), and nothing
   * of it runs on.
   */
  private async slowly(operation: StoreWrite, synced: boolean, run: () => Promise<void>): Promise<void> {
    const previous = this.diskTail;
    let done!: () => void;
    this.diskTail = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await previous;
      const latencyMs = this.faults.writeLatencyMs(operation, synced);
      if (latencyMs > 0) await this.faults.sleep(latencyMs);
      if (this.faults.dead) return never();
      await run();
    } finally {
      done();
    }
  }

  private async read<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.faults.dead) return never();
    const failure = this.faults.readFails(operation);
    if (failure !== null) throw failure;
    const result = await run();
    return this.faults.dead ? never() : result;
  }

  /** Resolves unless the process dies at `point`; then it never does. */
  private after(point: CrashPoint): Promise<void> {
    return this.faults.crashesAt(point) ? never() : Promise.resolve();
  }

  async saveCommittedBlock(committed: CommittedBlock): Promise<void> {
    await this.write('saveCommittedBlock', () => this.inner.saveCommittedBlock(committed), true);
    await this.after('block-stored-before-app-commit');
  }

  getCommittedBlock(height: number): Promise<CommittedBlock | null> {
    return this.read('getCommittedBlock', () => this.inner.getCommittedBlock(height));
  }

  getCommittedBlocks(fromHeight: number, maxCount: number, maxBytes: number): Promise<CommittedBlock[]> {
    return this.read('getCommittedBlocks', () => this.inner.getCommittedBlocks(fromHeight, maxCount, maxBytes));
  }

  findTx(txHash: Uint8Array): Promise<{ height: number; index: number } | null> {
    return this.read('findTx', () => this.inner.findTx(txHash));
  }

  findTxs(txHashes: readonly Uint8Array[]): Promise<({ height: number; index: number } | null)[]> {
    return this.read('findTxs', () => this.inner.findTxs(txHashes));
  }

  async saveAppSnapshot(height: number, snapshot: Uint8Array): Promise<void> {
    await this.write('saveAppSnapshot', () => this.inner.saveAppSnapshot(height, snapshot), true);
    await this.after('snapshot-saved-before-wal-prune');
  }

  latestAppSnapshot(): Promise<{ height: number; snapshot: Uint8Array } | null> {
    return this.read('latestAppSnapshot', () => this.inner.latestAppSnapshot());
  }

  saveEvidence(height: number, hash: Uint8Array, record: Uint8Array): Promise<void> {
    return this.write('saveEvidence', () => this.inner.saveEvidence(height, hash, record), false);
  }

  async appendWal(height: number, entry: Uint8Array, sync: boolean): Promise<void> {
    await this.write('appendWal', () => this.inner.appendWal(height, entry, sync), sync);
    this.wal?.appended(height, entry);
    await this.after(sync ? 'wal-synced-before-send' : 'wal-input-before-apply');
  }

  /** The node's own signed message with its last-signed record: synced, so the crash point is "synced but not sent". */
  async appendSignedWal(height: number, entry: Uint8Array, lastSigned: Uint8Array): Promise<void> {
    try {
      await this.write('appendSignedWal', () => this.inner.appendSignedWal(height, entry, lastSigned), true);
    } catch (error) {
      this.wal?.signedWriteFailed?.();
      throw error;
    }
    this.wal?.signedWriteDone?.();
    this.wal?.appended(height, entry);
    await this.after('wal-synced-before-send');
  }

  readLastSigned(): Promise<Uint8Array | null> {
    return this.read('readLastSigned', () => this.inner.readLastSigned());
  }

  readWal(height: number): Promise<Uint8Array[]> {
    return this.read('readWal', () => this.inner.readWal(height));
  }

  async pruneWal(belowHeight: number): Promise<void> {
    if (this.faults.dead) return never();
    await this.inner.pruneWal(belowHeight);
    this.wal?.pruned(belowHeight);
  }

  async savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void> {
    await this.write('savePendingTxs', () => this.inner.savePendingTxs(txs, sync), sync);
    await this.after('pending-tx-stored-before-ack');
  }

  listPendingTxs(maxTxs: number, maxBytes: number, fromHash?: Uint8Array): Promise<Uint8Array[]> {
    return this.read('listPendingTxs', () => this.inner.listPendingTxs(maxTxs, maxBytes, fromHash));
  }

  deletePendingTxs(txHashes: readonly Uint8Array[]): Promise<void> {
    return this.write('deletePendingTxs', () => this.inner.deletePendingTxs(txHashes), false);
  }
}

/**
 * What survives of an application with its own durable state (as ABCI applications keep):
 * the state as of its last commit. Without one, the application restarts empty and the node
 * restores it from the store's snapshots and blocks.
 */
export class AppDisk {
  snapshot: { readonly height: number; readonly bytes: Uint8Array } | null = null;
}

/**
 * How long each application call takes, in virtual ms (null: no time at all, as before), and who
 * hears of a call made while another is in flight (application.ts promises calls never overlap).
 */
export interface AppTiming {
  readonly delay: ((call: AppCall) => Promise<void>) | null;
  readonly onOverlap: (call: AppCall, inFlight: AppCall) => void;
}

/** Who hears what the application said of each transaction it checked (the node lived to hear it too). */
export type CheckTxObserver = (tx: Uint8Array, result: CheckTxResult) => void;
export type AppCall = 'info' | 'checkTx' | 'prepareProposal' | 'processProposal' | 'finalizeBlock' | 'commit' | 'snapshot' | 'restore';

/** Runs the key-value application, with crash points after execution and after commit. */
export class FaultyApplication implements Application {
  readonly inner = new KeyValueApplication();
  private readonly inFlight: AppCall[] = [];

  private constructor(
    private readonly faults: IncarnationFaults,
    private readonly disk: AppDisk | null,
    private readonly timing: AppTiming | null,
    private readonly onCheckTx: CheckTxObserver | null,
  ) {}

  /** A new incarnation's application: empty, or as its disk kept it. */
  static async open(faults: IncarnationFaults, disk: AppDisk | null, timing: AppTiming | null = null, onCheckTx: CheckTxObserver | null = null): Promise<FaultyApplication> {
    const app = new FaultyApplication(faults, disk, timing, onCheckTx);
    const kept = disk?.snapshot ?? null;
    if (kept !== null) await app.inner.restore(kept.bytes, kept.height);
    return app;
  }

  /** One call: takes its time, notes an overlap, and never settles once the process died. */
  private async call<T>(name: AppCall, run: () => Promise<T>): Promise<T> {
    if (this.faults.dead) return never();
    if (this.inFlight.length > 0) this.timing?.onOverlap(name, this.inFlight[0]!);
    this.inFlight.push(name);
    try {
      if (this.timing?.delay != null) await this.timing.delay(name);
      const result = await run();
      return this.faults.dead ? never() : result;
    } finally {
      this.inFlight.splice(this.inFlight.indexOf(name), 1);
    }
  }

  info(): Promise<AppInfo> {
    return this.call('info', () => this.inner.info());
  }

  async checkTx(tx: Uint8Array): Promise<CheckTxResult> {
    const result = await this.call('checkTx', () => this.inner.checkTx(tx));
    this.onCheckTx?.(tx, result);
    return result;
  }

  prepareProposal(request: { readonly height: number; readonly txs: readonly Uint8Array[]; readonly maxBytes: number }): Promise<readonly Uint8Array[]> {
    return this.call('prepareProposal', () => this.inner.prepareProposal(request));
  }

  processProposal(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[] }): Promise<boolean> {
    return this.call('processProposal', () => this.inner.processProposal(request));
  }

  async finalizeBlock(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[] }): Promise<FinalizeBlockResult> {
    const result = await this.call('finalizeBlock', () => this.inner.finalizeBlock(request));
    return this.faults.crashesAt('block-executed-before-stored') ? never() : result;
  }

  async commit(): Promise<void> {
    await this.call('commit', async () => {
      await this.inner.commit();
      if (this.disk !== null) {
        const { lastHeight } = await this.inner.info();
        this.disk.snapshot = { height: lastHeight, bytes: await this.inner.snapshot() };
      }
    });
    if (this.faults.crashesAt('app-committed-before-snapshot')) return never();
  }

  snapshot(): Promise<Uint8Array> {
    return this.call('snapshot', () => this.inner.snapshot());
  }

  restore(snapshot: Uint8Array, height: number): Promise<void> {
    return this.call('restore', () => this.inner.restore(snapshot, height));
  }
}
