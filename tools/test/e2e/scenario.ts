import { expect } from 'vitest';
import type { Consortium } from '../../src/devnet/consortium.js';

/** Submits `count` transactions and waits until every running node committed them all. */
export async function commitTxs(consortium: Consortium, count: number, tag: string): Promise<void> {
  const { hashes, rejected } = await consortium.submitTxs(count, tag);
  expect(rejected).toEqual({});
  await consortium.waitCommitted(hashes);
}

/**
 * The scenario every member count goes through: blocks with transactions; one node killed with
 * SIGKILL while the others keep committing; restarted, it catches up through block sync and
 * takes part again. Every comparison across nodes waits for them to reach a common height
 * first (a node a block behind is not a fork).
 */
export async function crashAndCatchUp(consortium: Consortium): Promise<void> {
  await commitTxs(consortium, 200, 'before');
  await consortium.expectSameChains();

  const victim = consortium.nodes[2]!;
  await victim.kill('SIGKILL');
  const survivors = consortium.nodes.filter((node) => node !== victim);
  const survivorsStart = Math.max(...(await consortium.heights(survivors)));
  await commitTxs(consortium, 100, 'during');
  await consortium.waitHeight(survivorsStart + 3, undefined, survivors);

  await victim.start();
  const target = Math.max(...(await consortium.heights(survivors)));
  await consortium.waitHeight(target, undefined, [victim]);
  // It was at least three heights behind: it caught up through block sync, not consensus alone.
  await consortium.waitMetric(victim, 'consortium_consensus_synced_blocks_total', {}, 'above 0', (synced) => synced > 0);
  await commitTxs(consortium, 50, 'after');
  await consortium.waitAllReady();
}
