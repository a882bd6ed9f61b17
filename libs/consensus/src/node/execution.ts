import type { Context } from '@opentelemetry/api';
import type { ConsensusMetrics, Logger } from '@consortium/telemetry';
import type { Application, FinalizeBlockResult } from '../application.js';
import { certificateHash, genesisHash, txsHash } from '../block.js';
import { bytesEqual, encodeCanonical } from '../encoding/canonical.js';
import { blockToCbor } from '../encoding/codec.js';
import { CommitFailedError } from '../errors.js';
import type { Genesis } from '../genesis/types.js';
import type { ConsensusContext } from '../state/types.js';
import type { Block, CommittedBlock } from '../types.js';
import type { ChainHead } from './chain-head.js';
import type { Clock } from './clock.js';
import type { ChainStorePort, MempoolPort } from './ports.js';

/**
 * The application side of the driver (CometBFT's BlockExecutor): restoring the application at
 * start-up, building a proposer's block, and executing and storing a decided block. A failure
 * to execute or store a decided block is a CommitFailedError: the caller halts, because the
 * head, the application and the store would otherwise disagree.
 */

export interface ExecutionDeps {
  readonly genesis: Genesis;
  readonly context: ConsensusContext;
  /** The application behind its lane (application-lane.ts). */
  readonly app: Application;
  readonly store: ChainStorePort;
  readonly mempool: MempoolPort;
  readonly clock: Clock;
  readonly logger: Logger | null;
  readonly metrics: ConsensusMetrics | null;
  /** Snapshot the application every this many blocks; restart re-executes the blocks since. */
  readonly snapshotIntervalBlocks: number;
}

export class BlockExecutor {
  constructor(private readonly deps: ExecutionDeps) {}

  /** Brings the application to the store's height: the newest snapshot, then re-execution of later blocks. */
  async restoreApplication(): Promise<void> {
    const { app, store } = this.deps;
    const latest = store.latestHeight();
    let appHeight = (await app.info()).lastHeight;
    if (appHeight > latest) throw new Error(`the application is at height ${appHeight}, ahead of the block store at ${latest}`);
    if (appHeight < latest) {
      const snapshot = await store.latestAppSnapshot();
      if (snapshot !== null && snapshot.height > appHeight && snapshot.height <= latest) {
        await app.restore(snapshot.snapshot, snapshot.height);
        appHeight = snapshot.height;
      }
    }
    // Blocks after the snapshot are executed again: deterministic, so the state comes out the same.
    for (let height = appHeight + 1; height <= latest; height++) {
      const committed = await store.getCommittedBlock(height);
      if (committed === null) throw new Error(`block ${height} is missing from the store`);
      await app.finalizeBlock({ header: committed.block.header, txs: committed.block.txs });
      await app.commit();
    }
  }

  genesisHead(appHash: Uint8Array): ChainHead {
    return { height: 0, blockHash: genesisHash(this.deps.genesis), timeMs: this.deps.genesis.genesisTimeMs, appHash, certificate: null, appHashPending: true };
  }

  async loadHead(): Promise<ChainHead> {
    const { store, app } = this.deps;
    const latest = store.latestHeight();
    const appHash = (await app.info()).appHash;
    if (latest === 0) return this.genesisHead(appHash);
    const committed = await store.getCommittedBlock(latest);
    if (committed === null) throw new Error(`block ${latest} is missing from the store`);
    return { height: latest, blockHash: committed.certificate.blockHash, timeMs: committed.block.header.timeMs, appHash, certificate: committed.certificate, appHashPending: appHashPending(committed.block, appHash) };
  }

  /** The proposer's block: mempool transactions the application chose, linked to `head`. */
  async buildBlock(height: number, head: ChainHead): Promise<Block> {
    const { params, chainId, self } = this.deps.context;
    const candidates = this.deps.mempool.reap(params.blockMaxBytes, params.blockMaxTxs);
    const txs = await this.deps.app.prepareProposal({ height, txs: candidates, maxBytes: params.blockMaxBytes });
    return {
      header: {
        chainId,
        height,
        timeMs: Math.max(this.deps.clock.nowMs(), head.timeMs + 1),
        proposer: self,
        previousBlockHash: head.blockHash,
        lastCommitHash: certificateHash(head.certificate),
        txsHash: txsHash(txs),
        appHash: head.appHash,
      },
      txs,
      lastCommit: head.certificate,
    };
  }

  /**
   * Executes and stores a decided block (from consensus or from sync): the application runs it,
   * the store keeps it with its certificate (synced), the application commits, a snapshot is
   * taken every snapshotIntervalBlocks, the mempool drops its transactions, the WAL below it is
   * pruned. Any failure is a CommitFailedError.
   */
  async commit(committed: CommittedBlock, traces?: readonly (Context | undefined)[]): Promise<{ readonly head: ChainHead; readonly result: FinalizeBlockResult }> {
    const { app, store, mempool, logger } = this.deps;
    const { block, certificate } = committed;
    const height = block.header.height;
    let result: FinalizeBlockResult;
    try {
      result = await app.finalizeBlock({ header: block.header, txs: block.txs, ...(traces === undefined ? {} : { traces }) });
      await store.saveCommittedBlock(committed);
      await app.commit();
      if (height % this.deps.snapshotIntervalBlocks === 0) await this.snapshot(height);
    } catch (error) {
      throw new CommitFailedError(height, { cause: error });
    }
    // update() removes the committed txs at once; the recheck of the rest runs in the background
    // (behind the mempool's own queue), so a full pool never delays the next height.
    mempool.update(height, block.txs).catch((error: unknown) => logger?.error({ err: error }, 'mempool update failed'));
    try {
      await store.pruneWal(height);
    } catch (error) {
      throw new CommitFailedError(height, { cause: error });
    }
    const head = { height, blockHash: certificate.blockHash, timeMs: block.header.timeMs, appHash: result.appHash, certificate, appHashPending: appHashPending(block, result.appHash) };
    return { head, result };
  }

  private async snapshot(height: number): Promise<void> {
    const startedMs = performance.now();
    await this.deps.store.saveAppSnapshot(height, await this.deps.app.snapshot());
    this.deps.metrics?.appSnapshotDurationSeconds.observe((performance.now() - startedMs) / 1000);
  }
}

/**
 * Whether `block`'s transactions left an application state hash no header carries yet. Only a
 * block with transactions counts: an application whose hash moves on every block (the
 * key-value test application chains its hash through empty blocks too) would otherwise never
 * let the chain wait.
 */
function appHashPending(block: Block, appHashAfter: Uint8Array): boolean {
  return block.txs.length > 0 && !bytesEqual(block.header.appHash, appHashAfter);
}

/** Encoded size of a block, for the block size metric. */
export function encodedBlockBytes(block: Block): number {
  return encodeCanonical(blockToCbor(block)).byteLength;
}
