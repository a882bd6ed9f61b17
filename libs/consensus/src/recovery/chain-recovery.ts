import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { compareSlots, decodeLastSigned, encodeLastSigned, type LastSigned } from '../node/signer.js';
import { ChainBuckets, resolveChainStoreOptions } from '../store/buckets.js';
import type { ChainStoreOptions } from '../store/chain-store.js';
import { LevelDbController } from '../store/controller/level.js';
import { StoreDamagedError, StoreLockedError } from '../store/errors.js';
import { LevelChainStore } from '../store/level-chain-store.js';

/**
 * Recovering a node's chain store (CometBFT's `unsafe-reset-all --keep-addr-book` and its
 * priv_validator_state, done safely): the chain itself is public and comes back from the other
 * members by block sync, but two things in the store exist nowhere else:
 * - the signer's last-signed record: a node that forgets it can sign a second, different vote
 *   for a slot it already voted in, which is equivocation, evidence against its member;
 * - transactions it acknowledged to clients and no block has committed yet (`pending_txs`).
 * Both are carried into the new store. When the record cannot be read, the operator names the
 * chain's current height (from another member's /v1/status) and the new store gets a fence: a
 * record above every slot of that height, so the node signs nothing at or below it.
 */

/** What could be read out of a store that may be damaged. */
export interface SalvagedChainState {
  /** The last-signed record, decoded and checked; null when there was none or it is unreadable. */
  readonly lastSigned: LastSigned | null;
  /** Why the record could not be read (null when it was read, or the store had none). */
  readonly lastSignedProblem: string | null;
  /** Acknowledged, uncommitted client transactions that were intact. */
  readonly pendingTxs: readonly Uint8Array[];
  /** Pending transactions skipped because their stored bytes are damaged. */
  readonly pendingTxsDamaged: number;
  /** The height the store had committed, when readable (null: unreadable or none). */
  readonly latestHeight: number | null;
  /** LevelDB's repair had to run before anything could be read. */
  readonly repaired: boolean;
}

/** Refusing to recover: what is wrong and what the operator does next. */
export class ChainRecoveryError extends Error {
  override readonly name = 'ChainRecoveryError';
}

/** The round of a fence record: above any round a height reaches (timeouts grow with it). */
const FENCE_ROUND = 2 ** 31 - 1;

/**
 * A last-signed record above every slot of `height`: the signer refuses all of that height and
 * below, and signs from `height + 1` on. No signature ever matches it (its hashes are zero).
 */
export function fenceRecord(height: number): LastSigned {
  if (!Number.isSafeInteger(height) || height < 1) throw new ChainRecoveryError(`a fence height must be a positive integer, got ${height}`);
  return { height, round: FENCE_ROUND, step: 'precommit', signBytesHash: new Uint8Array(32), valueHash: null, signature: new Uint8Array(64) };
}

/** The later of two records (a slot further on refuses more); null only when both are. */
export function laterRecord(a: LastSigned | null, b: LastSigned | null): LastSigned | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareSlots(a, b) >= 0 ? a : b;
}

/**
 * Reads what a store holds that block sync cannot bring back. Opens it as it is; when LevelDB
 * refuses its files, repairs a copy in `scratchDirectory` (LevelDB's RepairDB salvages every
 * readable table and log) and reads that, so the damaged original stays untouched for a look.
 * A store another process holds is refused (StoreLockedError).
 */
export async function salvageChainStore(directory: string, options: ChainStoreOptions & { readonly scratchDirectory: string }): Promise<SalvagedChainState> {
  let controller: LevelDbController;
  let repaired = false;
  try {
    controller = await LevelDbController.create(directory, { metrics: null, createIfMissing: false });
  } catch (error) {
    if (error instanceof StoreLockedError || !(error instanceof StoreDamagedError)) throw error;
    await rm(options.scratchDirectory, { recursive: true, force: true });
    await cp(directory, options.scratchDirectory, { recursive: true });
    await ClassicLevel.repair(options.scratchDirectory);
    controller = await LevelDbController.create(options.scratchDirectory, { metrics: null, createIfMissing: false });
    repaired = true;
  }
  try {
    const buckets = new ChainBuckets(controller, resolveChainStoreOptions(options));
    let lastSigned: LastSigned | null = null;
    let lastSignedProblem: string | null = null;
    try {
      const bytes = await buckets.signer.get('last_signed');
      lastSigned = bytes === null ? null : decodeLastSigned(bytes);
    } catch (error) {
      lastSignedProblem = (error as Error).message;
    }
    const pendingTxs: Uint8Array[] = [];
    let pendingTxsDamaged = 0;
    for await (const [hash, bytes] of readableEntries(buckets)) {
      try {
        pendingTxs.push(buckets.pendingTxs.decodeStored(hash, bytes));
      } catch {
        pendingTxsDamaged += 1;
      }
    }
    const latestHeight = await buckets.meta.get('latest_height').catch(() => null);
    return { lastSigned, lastSignedProblem, pendingTxs, pendingTxsDamaged, latestHeight, repaired };
  } finally {
    await controller.close();
    if (repaired) await rm(options.scratchDirectory, { recursive: true, force: true });
  }
}

/** The raw pending-tx entries (decoded one by one by the caller, so one damaged value skips only itself). */
async function* readableEntries(buckets: ChainBuckets): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
  try {
    for await (const [key, bytes] of buckets.pendingTxs.rawEntries()) yield [buckets.pendingTxs.decodeKey(key), bytes];
  } catch {
    // A damaged table under the bucket ends the scan: what was read before it is kept.
  }
}

export interface RecoveryOutcome {
  /** Where the replaced store now lives (kept, never deleted); null when there was none. */
  readonly movedTo: string | null;
  /** The record the new store starts with (null: the node had never signed). */
  readonly lastSigned: LastSigned | null;
  /** True when that record is a fence the operator asked for, not one the node wrote. */
  readonly fenced: boolean;
  readonly pendingTxs: number;
  readonly salvaged: SalvagedChainState;
}

export interface ResyncOptions extends ChainStoreOptions {
  /** The chain's current height, from another member: required when the record cannot be read. */
  readonly fenceHeight?: number;
  /** For the name of the moved store (tests pass a fixed clock). */
  readonly now?: () => Date;
}

/**
 * Replaces a (damaged) store with an empty one that keeps the signer's record and the pending
 * transactions: the node then fetches the chain by block sync. The old store is moved aside
 * (`<store>.damaged-<time>`), never deleted.
 */
export async function resyncChainStore(directory: string, options: ResyncOptions): Promise<RecoveryOutcome> {
  await assertExists(directory, 'there is no store to resync');
  const salvaged = await salvageChainStore(directory, { ...options, scratchDirectory: `${directory}.salvage` });
  const record = recordToKeep(salvaged, options.fenceHeight);
  const movedTo = await moveAside(directory, 'damaged', options.now ?? (() => new Date()));
  await writeFreshStore(directory, options, record.lastSigned, salvaged.pendingTxs);
  return { movedTo, ...record, pendingTxs: salvaged.pendingTxs.length, salvaged };
}

export interface RestoreOptions extends ResyncOptions {
  /** A copy of this node's store made earlier (a backup), taken while the node was stopped. */
  readonly backupDirectory: string;
}

/**
 * Puts a backup in place of the store, keeping the newer of the two signer records: a backup is
 * an old WAL copy, and a node restarted from it alone would have forgotten what it signed since
 * (the double-sign hazard of every restored validator). Pending transactions of both are kept.
 */
export async function restoreChainStore(directory: string, options: RestoreOptions): Promise<RecoveryOutcome> {
  await assertExists(options.backupDirectory, 'the backup does not exist');
  const backup = await salvageChainStore(options.backupDirectory, { ...options, scratchDirectory: `${directory}.backup-salvage` });
  if (backup.repaired) throw new ChainRecoveryError(`the backup ${options.backupDirectory} is damaged too (LevelDB had to repair it): use another backup, or resync from the other members`);
  const current = (await exists(directory)) ? await salvageChainStore(directory, { ...options, scratchDirectory: `${directory}.salvage` }) : null;
  // The current store's record is what matters: the backup's can only be older. If the current
  // one is unreadable, what the node signed after the backup is unknown: fence or refuse.
  const record = current === null ? recordToKeep(backup, options.fenceHeight) : recordToKeep(current, options.fenceHeight, backup.lastSigned);
  const movedTo = current === null ? null : await moveAside(directory, 'replaced', options.now ?? (() => new Date()));
  await cp(options.backupDirectory, directory, { recursive: true, errorOnExist: true });
  const pendingTxs = [...(current?.pendingTxs ?? []), ...backup.pendingTxs];
  const store = await LevelChainStore.open(directory, { ...options, metrics: null });
  try {
    if (record.lastSigned !== null) await store.writeLastSignedRecord(encodeLastSigned(record.lastSigned));
    await store.savePendingTxs(pendingTxs, true);
  } finally {
    await store.close();
  }
  return { movedTo, ...record, pendingTxs: pendingTxs.length, salvaged: current ?? backup };
}

/** The record the new store starts with, or why recovery must stop. */
function recordToKeep(salvaged: SalvagedChainState, fenceHeight: number | undefined, older: LastSigned | null = null): { lastSigned: LastSigned | null; fenced: boolean } {
  if (salvaged.lastSignedProblem === null) {
    // A fence the operator asks for on top of a readable record is honoured too (belt and braces).
    const fence = fenceHeight === undefined ? null : fenceRecord(fenceHeight);
    const kept = laterRecord(laterRecord(salvaged.lastSigned, older), fence);
    return { lastSigned: kept, fenced: kept !== null && kept === fence };
  }
  if (fenceHeight === undefined) {
    throw new ChainRecoveryError(
      `the signer's last-signed record cannot be read (${salvaged.lastSignedProblem}): without it the node could sign twice at the height it was at. ` +
        "Ask another member's node for the chain's current height (GET /v1/status: consensus.height) and run again with --fence-height <that height>: " +
        'the node will sign nothing at or below it.',
    );
  }
  const fence = fenceRecord(fenceHeight);
  const kept = laterRecord(older, fence);
  return { lastSigned: kept, fenced: kept === fence };
}

async function writeFreshStore(directory: string, options: ChainStoreOptions, record: LastSigned | null, pendingTxs: readonly Uint8Array[]): Promise<void> {
  const store = await LevelChainStore.open(directory, { ...options, metrics: null });
  try {
    if (record !== null) await store.writeLastSignedRecord(encodeLastSigned(record));
    await store.savePendingTxs(pendingTxs, true);
  } finally {
    await store.close();
  }
}

/** Renames `directory` to `<directory>.<label>-<UTC time>` beside it; returns the new path. */
async function moveAside(directory: string, label: string, now: () => Date): Promise<string> {
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  const target = join(dirname(directory), `${basename(directory)}.${label}-${stamp}`);
  if (await exists(target)) throw new ChainRecoveryError(`${target} exists already: move it away and run again`);
  await mkdir(dirname(target), { recursive: true });
  await rename(directory, target);
  return target;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function assertExists(path: string, what: string): Promise<void> {
  if (!(await exists(path))) throw new ChainRecoveryError(`${what}: ${path} is not there`);
}
