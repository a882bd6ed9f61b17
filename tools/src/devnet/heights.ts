import { ChainMismatchError, compareChains, type BlockSummary, type ChainView, type Validator } from './chain-check.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/**
 * Waiting on heights across node processes, and reading whole chains to compare them. A node
 * that does not answer a poll is "not answering", not at height -1: the timeout error shows the
 * last height it did report, so a stalled node and a dead one read differently.
 */

/** What the waits need of a node (NodeProcess in e2e tests; in-memory chains in unit tests). */
export interface ChainSource {
  readonly memberId: string;
  /** The node's committed height, or null when it does not answer. */
  committedHeight(): Promise<number | null>;
  /** The committed block at `height`, or null when the node has none; throws when the node cannot be read. */
  block(height: number): Promise<BlockSummary | null>;
}

/** Polls the heights of `sources`, remembering the last height each reported. */
export function heightProbe(sources: readonly Pick<ChainSource, 'memberId' | 'committedHeight'>[]) {
  const lastKnown = new Map<string, number>();
  return async (): Promise<{ readonly heights: (number | null)[]; readonly seen: string }> => {
    const heights = await Promise.all(sources.map(async (source) => source.committedHeight()));
    const parts = sources.map((source, i) => {
      const height = heights[i] ?? null;
      if (height !== null) {
        lastKnown.set(source.memberId, height);
        return `${source.memberId} ${height}`;
      }
      return `${source.memberId} ${lastKnown.get(source.memberId) ?? '?'} (not answering)`;
    });
    return { heights, seen: parts.join(', ') };
  };
}

const names = (sources: readonly { readonly memberId: string }[]) => (sources.length === 1 ? sources[0]!.memberId : `every node of ${sources.map((s) => s.memberId).join(', ')}`);

/** Waits until every source has committed at least `height`. */
export async function waitForHeight(sources: readonly Pick<ChainSource, 'memberId' | 'committedHeight'>[], height: number, timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<void> {
  const probe = heightProbe(sources);
  await waitFor(`${names(sources)} at height ${height} or above`, async () => {
    const { heights, seen } = await probe();
    return { done: heights.every((h) => h !== null && h >= height), seen };
  }, timeoutMs);
}

/**
 * Waits until every source has reached the height the most advanced one had when the wait
 * began (the lagging nodes catch up; nobody is compared while behind). Returns that height.
 */
export async function waitForCommonHeight(sources: readonly Pick<ChainSource, 'memberId' | 'committedHeight'>[], timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<number> {
  const probe = heightProbe(sources);
  let target: number | null = null;
  await waitFor(`${names(sources)} at the height the most advanced one had`, async () => {
    const { heights, seen } = await probe();
    const answering = heights.filter((h): h is number => h !== null);
    if (target === null && answering.length > 0) target = Math.max(...answering);
    const done = target !== null && heights.every((h) => h !== null && h >= target!);
    return { done, seen: target === null ? seen : `target ${target}; ${seen}` };
  }, timeoutMs);
  return target!;
}

/** Blocks 1..height of one source, `concurrency` requests at a time. */
export async function readChain(source: Pick<ChainSource, 'memberId' | 'block'>, height: number, concurrency = 8): Promise<ChainView> {
  const blocks: (BlockSummary | null)[] = new Array<BlockSummary | null>(height).fill(null);
  let next = 1;
  const worker = async () => {
    for (let h = next++; h <= height; h = next++) blocks[h - 1] = await source.block(h);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, height) }, worker));
  return { memberId: source.memberId, blocks };
}

/**
 * The check every e2e consortium test ends with: wait until every source reaches a common
 * height h, then compare heights 1..h on all of them (chain-check.ts). Throws ChainMismatchError
 * naming the height, nodes and values on any difference; returns h.
 */
export async function expectSameChains(sources: readonly ChainSource[], validators: readonly Validator[], timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<number> {
  const height = await waitForCommonHeight(sources, timeoutMs);
  const views = await Promise.all(sources.map(async (source) => readChain(source, height)));
  const faults = compareChains(views, validators);
  if (faults.length > 0) throw new ChainMismatchError(height, sources.map((source) => source.memberId), faults);
  return height;
}
