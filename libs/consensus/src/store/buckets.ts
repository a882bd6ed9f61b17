import type { ChainStoreOptions } from './chain-store.js';
import { DEFAULT_SNAPSHOTS_TO_KEEP } from './chain-store.js';
import type { DbController } from './controller/types.js';
import { assertPositive } from './keys.js';
import { DEFAULT_SNAPSHOT_MAX_BYTES, defaultWalEntryMaxBytes, type StoreBlockLimits } from './limits.js';
import { BlockRepository } from './repositories/blocks.js';
import { CertificateRepository } from './repositories/certificates.js';
import { EvidenceRepository } from './repositories/evidence.js';
import { MetaRepository } from './repositories/meta.js';
import { PendingTxRepository } from './repositories/pending-txs.js';
import { SignerRepository } from './repositories/signer.js';
import { SnapshotRepository } from './repositories/snapshots.js';
import { TxIndexRepository } from './repositories/tx-index.js';
import { WalRepository } from './repositories/wal.js';

/** ChainStoreOptions with every default filled in and every number checked. */
export interface ResolvedChainStoreOptions {
  readonly limits: StoreBlockLimits;
  readonly snapshotsToKeep: number;
  readonly snapshotMaxBytes: number;
  readonly walEntryMaxBytes: number;
}

export function resolveChainStoreOptions(options: ChainStoreOptions): ResolvedChainStoreOptions {
  const resolved = {
    limits: options.limits,
    snapshotsToKeep: options.snapshotsToKeep ?? DEFAULT_SNAPSHOTS_TO_KEEP,
    snapshotMaxBytes: options.snapshotMaxBytes ?? DEFAULT_SNAPSHOT_MAX_BYTES,
    walEntryMaxBytes: options.walEntryMaxBytes ?? defaultWalEntryMaxBytes(options.limits),
  };
  assertPositive(resolved.limits.blockMaxBytes, 'limits.blockMaxBytes');
  assertPositive(resolved.limits.blockMaxTxs, 'limits.blockMaxTxs');
  assertPositive(resolved.limits.txMaxBytes, 'limits.txMaxBytes');
  assertPositive(resolved.snapshotsToKeep, 'snapshotsToKeep');
  assertPositive(resolved.snapshotMaxBytes, 'snapshotMaxBytes');
  assertPositive(resolved.walEntryMaxBytes, 'walEntryMaxBytes');
  return resolved;
}

/** Every bucket of the chain store, over one controller (so a batch can span them atomically). */
export class ChainBuckets {
  readonly blocks: BlockRepository;
  readonly certificates: CertificateRepository;
  readonly txIndex: TxIndexRepository;
  readonly snapshots: SnapshotRepository;
  readonly wal: WalRepository;
  readonly meta: MetaRepository;
  readonly evidence: EvidenceRepository;
  readonly signer: SignerRepository;
  readonly pendingTxs: PendingTxRepository;

  constructor(db: DbController, options: ResolvedChainStoreOptions) {
    this.blocks = new BlockRepository(db, options.limits);
    this.certificates = new CertificateRepository(db);
    this.txIndex = new TxIndexRepository(db);
    this.snapshots = new SnapshotRepository(db, options.snapshotMaxBytes);
    this.wal = new WalRepository(db, options.walEntryMaxBytes);
    this.meta = new MetaRepository(db);
    this.evidence = new EvidenceRepository(db);
    this.signer = new SignerRepository(db);
    this.pendingTxs = new PendingTxRepository(db, options.limits.txMaxBytes);
  }
}
