import type { ChainView } from '../devnet/chain-check.js';

/**
 * What must hold after any fault, checked on what the nodes serve (pure; the reading is in
 * chaos-devnet.ts). The chains themselves are compared by devnet/chain-check.ts (no fork, every
 * link and certificate sound); here: every transaction the API acknowledged is in the chain
 * exactly once.
 */

export interface AcknowledgedCheck {
  /** Acknowledged transactions found in the chain. */
  readonly committed: number;
  /** Acknowledged and in no block. */
  readonly missing: readonly string[];
  /** In more than one block (or twice in one), with the heights. */
  readonly duplicated: readonly { readonly hash: string; readonly heights: readonly number[] }[];
}

/** Every height each transaction of `chain` is at (a height twice if a block holds it twice). */
export function txHeights(chain: ChainView): Map<string, number[]> {
  const heights = new Map<string, number[]>();
  for (const block of chain.blocks) {
    if (block === null) continue;
    for (const hash of block.txs) {
      const seen = heights.get(hash);
      if (seen === undefined) heights.set(hash, [block.height]);
      else seen.push(block.height);
    }
  }
  return heights;
}

/** Whether each acknowledged transaction is in `chain` exactly once. */
export function checkAcknowledged(chain: ChainView, acknowledged: Iterable<string>): AcknowledgedCheck {
  const heights = txHeights(chain);
  const missing: string[] = [];
  let committed = 0;
  for (const hash of acknowledged) {
    if (heights.has(hash)) committed += 1;
    else missing.push(hash);
  }
  // Any transaction twice is a replay the chain let through, acknowledged by this run or not.
  const duplicated = [...heights].filter(([, at]) => at.length > 1).map(([hash, at]) => ({ hash, heights: at }));
  return { committed, missing, duplicated };
}

/** A one-line account of a check that failed, for errors and reports. */
export function describeAcknowledged(check: AcknowledgedCheck): string {
  const parts = [`${check.committed} acknowledged transactions committed`];
  if (check.missing.length > 0) parts.push(`${check.missing.length} acknowledged and never committed (first: ${check.missing.slice(0, 3).join(', ')})`);
  if (check.duplicated.length > 0) parts.push(`${check.duplicated.length} committed more than once (${check.duplicated.slice(0, 3).map((d) => `${d.hash} at ${d.heights.join(', ')}`).join('; ')})`);
  return parts.join('; ');
}
