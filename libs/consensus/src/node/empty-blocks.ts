import type { ConsensusParams } from '../genesis/types.js';
import type { ChainHead } from './chain-head.js';

/**
 * When an idle chain starts its next height (CometBFT's `create_empty_blocks_interval`, its
 * NewHeight step waiting for transactions). Pure: the routine asks, and keeps the timer.
 *
 * After a commit (and the commit pause), every validator waits the same way before round 0 of
 * the next height: until a transaction is in its mempool, until `emptyBlocksIntervalMs` after
 * the last block's time, or until peers show the height has started (the round's proposer's
 * proposal, or messages from validators holding more than a third of the power: at least one
 * correct validator started it). No step timeout runs while waiting, so a non-proposer never
 * moves rounds while the proposer legitimately waits; a transaction that reached only a
 * non-proposer starts that node, is gossiped, and starts the proposer.
 */

/** Why round 0 of a height started; the label of the wait metric. */
export type HeightStartReason = 'no_wait' | 'proof' | 'txs' | 'interval' | 'proposal' | 'peers';
/** What ended a wait for transactions. */
export type WakeReason = Exclude<HeightStartReason, 'no_wait' | 'proof'>;

/**
 * The reason to start the height after `head` at once, or null to wait: intervals of 0 never
 * wait; the first block and a block certifying a changed app hash are made at once, as are
 * blocks for transactions already in the mempool.
 */
export function startAtOnce(params: Pick<ConsensusParams, 'emptyBlocksIntervalMs'>, head: Pick<ChainHead, 'appHashPending'>, mempoolTxs: number): HeightStartReason | null {
  if (params.emptyBlocksIntervalMs === 0) return 'no_wait';
  if (head.appHashPending) return 'proof';
  if (mempoolTxs > 0) return 'txs';
  return null;
}

/** How long from `nowMs` until the interval since the last block's time has passed (0 when it has). */
export function emptyBlockDelayMs(params: Pick<ConsensusParams, 'emptyBlocksIntervalMs'>, head: Pick<ChainHead, 'timeMs'>, nowMs: number): number {
  return Math.max(0, head.timeMs + params.emptyBlocksIntervalMs - nowMs);
}
