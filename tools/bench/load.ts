import { encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import type { Consortium } from '../src/devnet/consortium.js';
import { fetchJson, submitKeyValueTxs } from '../src/devnet/processes.js';
import { percentile } from './report.js';

/**
 * Offers transactions at a fixed rate to a running consortium (batches every tick, round-robin
 * over the nodes) and watches one node's blocks to see when each transaction is committed.
 * Finality is measured from the client's submission to the client seeing the block (the block
 * poll adds up to one poll interval).
 */

export interface LoadResult {
  readonly offeredTxsPerSecond: number;
  readonly committedTxsPerSecond: number;
  /**
   * Committed transactions over the whole run, from the first submission to the last commit
   * seen: under saturation (finality longer than the window) the steady-window rate depends on
   * when the queue happens to drain, this one does not.
   */
  readonly committedOverRunTxsPerSecond: number;
  readonly committed: number;
  readonly submitted: number;
  readonly rejected: Record<string, number>;
  readonly finalityMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly blocks: number;
  readonly txsPerBlock: number;
  /** Block reads the watching node did not answer with the block (asked again). */
  readonly blockRetries: number;
}

const TICK_MS = 20;
const WARM_UP_MS = 2_000;
const POLL_MS = 25;

export async function offerLoad(consortium: Consortium, txsPerSecond: number, durationMs: number, tag: string): Promise<LoadResult> {
  const nodes = consortium.running;
  const watcher = nodes[0]!;
  const submittedAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const rejected: Record<string, number> = {};
  let nonce = 0;
  let blocks = 0;
  let blockTxs = 0;
  let blockRetries = 0;
  let watching = true;
  // The watcher reads with the operator's token: the observer's rate limit (1,200 requests a
  // minute) ran out within the second load step at this poll rate, and from then on the bench saw
  // no block until the window reset (a step's transactions counted uncommitted). Status polls
  // and block reads stay under the operator's 6,000 a minute with the submissions it takes.
  const operator = await watcher.authorization('operator');
  const committedHeight = async () => (await watcher.committedHeight('operator')) ?? -1;
  let lastHeight = await committedHeight();
  const watch = (async () => {
    while (watching) {
      const height = await committedHeight();
      for (let h = lastHeight + 1; h <= height; h++) {
        const block = (await fetchJson(`${watcher.httpUrl}/v1/blocks/${h}`, { headers: operator })) as { txs?: string[] } | null;
        // An answer without the block (a 429 from the API's rate limit, a timeout) is asked
        // again at the next poll: counted as an empty block, its transactions looked lost.
        if (!Array.isArray(block?.txs)) {
          blockRetries += 1;
          break;
        }
        const seenMs = performance.now();
        blocks += 1;
        blockTxs += block.txs.length;
        for (const hash of block.txs) if (submittedAt.has(hash)) committedAt.set(hash, seenMs);
        lastHeight = h;
      }
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  })();

  const started = performance.now();
  let sent = 0;
  let turn = 0;
  const inFlight: Promise<void>[] = [];
  while (performance.now() - started < durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * txsPerSecond) - sent;
    if (due > 0) {
      const txs = Array.from({ length: due }, () => encodeKeyValueTx({ key: `${tag}-${nonce % 1000}`, value: `v${nonce}`, nonce: nonce++ }));
      const now = performance.now();
      for (const tx of txs) submittedAt.set(toHex(txHash(tx)), now);
      sent += due;
      const node = nodes[turn++ % nodes.length]!;
      for (let i = 0; i < txs.length; i += 500) {
        const slice = txs.slice(i, i + 500);
        inFlight.push(
          submitKeyValueTxs(node, slice).then(
            (result) => {
              for (const [reason, n] of Object.entries(result.rejected)) rejected[reason] = (rejected[reason] ?? 0) + n;
            },
            // A request the node refused or that failed counts its transactions as rejected, by
            // cause: uncounted, they looked like transactions the chain never committed.
            (error: unknown) => {
              const reason = `request: ${(error as Error).message.slice(0, 60)}`;
              rejected[reason] = (rejected[reason] ?? 0) + slice.length;
            },
          ),
        );
      }
    }
    await new Promise((done) => setTimeout(done, TICK_MS));
  }
  await Promise.allSettled(inFlight);
  const sendEnd = performance.now();
  // Let what was accepted drain, for at most 15 s.
  const accepted = sent - Object.values(rejected).reduce((a, b) => a + b, 0);
  while (committedAt.size < accepted && performance.now() - sendEnd < 15_000) await new Promise((done) => setTimeout(done, 100));
  watching = false;
  await watch;

  // Sustained rate and finality over the steady window: from 2 s after the start (warm-up:
  // the mempools fill, the first blocks are small) to the end of sending.
  const windowStart = started + WARM_UP_MS;
  const inWindow = [...committedAt.values()].filter((t) => t >= windowStart && t <= sendEnd).length;
  const finality = [...committedAt]
    .filter(([hash]) => submittedAt.get(hash)! >= windowStart)
    .map(([hash, t]) => t - submittedAt.get(hash)!)
    .sort((a, b) => a - b);
  return {
    offeredTxsPerSecond: txsPerSecond,
    committedTxsPerSecond: Math.round(inWindow / ((sendEnd - windowStart) / 1000)),
    committedOverRunTxsPerSecond: committedAt.size === 0 ? 0 : Math.round(committedAt.size / (([...committedAt.values()].reduce((last, t) => Math.max(last, t), 0) - started) / 1000)),
    committed: committedAt.size,
    submitted: sent,
    rejected,
    finalityMs: { p50: percentile(finality, 50), p90: percentile(finality, 90), p99: percentile(finality, 99), max: finality.at(-1) ?? Number.NaN },
    blocks,
    txsPerBlock: blocks === 0 ? 0 : Math.round(blockTxs / blocks),
    blockRetries,
  };
}
