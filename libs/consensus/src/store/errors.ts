/**
 * One class per condition the store can meet (js-libp2p's pattern): callers branch on the class
 * or on `name`, never on message text. None of these is a peer's fault, so none extends
 * InvalidInputError: they are local faults (a caller's bug, a damaged disk) and stop the node.
 */

/** The names of the store's buckets, as they appear in errors and logs. */
export type BucketName = 'blocks' | 'certificates' | 'tx_index' | 'snapshots' | 'wal' | 'meta' | 'evidence' | 'signer' | 'pending_txs';

/**
 * A value read back does not decode, fails its checksum, contradicts its key, or is missing
 * although the rest of the store says it must exist. The store cannot be trusted past this
 * point: the operator restores from a peer (block sync) or a backup.
 */
export class StoreCorruptionError extends Error {
  override readonly name = 'StoreCorruptionError';
  constructor(
    readonly bucket: BucketName,
    readonly keyHex: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`store bucket "${bucket}", key ${keyHex}: ${problem}`, options);
  }
}

/** Blocks are stored one after the other: a gap or a rewrite would break block sync and replay. */
export class NonConsecutiveHeightError extends Error {
  override readonly name = 'NonConsecutiveHeightError';
  constructor(
    readonly expectedHeight: number,
    readonly actualHeight: number,
  ) {
    super(`cannot store a block at height ${actualHeight}: the next height is ${expectedHeight}`);
  }
}

/** A second saveCommittedBlock while one is being written: the two could land out of order. */
export class CommitInProgressError extends Error {
  override readonly name = 'CommitInProgressError';
  constructor(readonly heightInProgress: number) {
    super(`block ${heightInProgress} is still being written; wait for it before storing the next`);
  }
}

/** The certificate does not decide this block (another height or another block hash). */
export class CertificateMismatchError extends Error {
  override readonly name = 'CertificateMismatchError';
}

/** The block does not extend the stored chain: its previousBlockHash is not the latest block's hash. */
export class BrokenChainLinkError extends Error {
  override readonly name = 'BrokenChainLinkError';
  constructor(readonly height: number) {
    super(`block ${height} does not link to the stored block ${height - 1}`);
  }
}

/**
 * A value the store would not be able to read back (it fails the checks the reader applies, or
 * exceeds the reader's size limit), refused before it reaches the disk.
 */
export class UnstorableValueError extends Error {
  override readonly name = 'UnstorableValueError';
  constructor(
    readonly bucket: BucketName,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`refusing to store into "${bucket}": ${problem}`, options);
  }
}

/** An argument outside its domain (a height below 1, a count of 0): a caller's bug. */
export class StoreArgumentError extends Error {
  override readonly name = 'StoreArgumentError';
}

/** Any use of a store after close(). */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('the store is closed');
  }
}

/**
 * The LevelDB directory is locked by another process: another node (or a tool) has it open.
 * Two writers would corrupt it, so the store refuses to open.
 */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  constructor(
    readonly directory: string,
    options?: ErrorOptions,
  ) {
    super(`the store ${directory} is in use by another process (its LevelDB lock is held): is another node running on this data directory?`, options);
  }
}

/**
 * LevelDB cannot open the directory: its files are damaged (corruption), missing or unreadable.
 * The operator restores the data directory from a backup, or removes it and lets block sync
 * fetch the chain from the other members.
 */
export class StoreDamagedError extends Error {
  override readonly name = 'StoreDamagedError';
  constructor(
    readonly directory: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`the store ${directory} cannot be opened: ${problem}`, options);
  }
}

/**
 * The disk holding the store is full: LevelDB cannot write (its log, a table, or, at open, its
 * new log file). Nothing is damaged; the node stops, the operator frees space and restarts.
 */
export class StoreDiskFullError extends Error {
  override readonly name = 'StoreDiskFullError';
  constructor(
    readonly directory: string,
    options?: ErrorOptions,
  ) {
    super(`the disk holding the store ${directory} is full (no space left on device)`, options);
  }
}

/** True when `error` or one of its causes is a full disk (ENOSPC, or LevelDB's "No space left on device"). */
export function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof StoreDiskFullError) return true;
    if ((current as { code?: unknown }).code === 'ENOSPC') return true;
    if (current instanceof Error && /no space left on device/i.test(current.message)) return true;
  }
  return false;
}
