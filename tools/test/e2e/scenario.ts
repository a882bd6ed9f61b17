import { expect } from 'vitest';
import type { Consortium } from '../../src/devnet/consortium.js';

export async function expectSameBlock(consortium: Consortium, height: number): Promise<void> {
  const hashes = await consortium.blockHashesAt(height);
  expect(new Set(hashes).size).toBe(1);
  expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
}

/** Submits `count` transactions and waits until every running node committed them all. */
export async function commitTxs(consortium: Consortium, count: number, tag: string): Promise<void> {
  const { hashes, rejected } = await consortium.submitTxs(count, tag);
  expect(rejected).toEqual({});
  await consortium.waitCommitted(hashes);
}

/**
 * The scenario every member count goes through: blocks with transactions; one node killed with
 * SIGKILL while the others keep committing; restarted, it catches up through block sync and
 * takes part again.
 */
export async function crashAndCatchUp(consortium: Consortium): Promise<void> {
  await commitTxs(consortium, 200, 'before');
  const [heightBefore] = await consortium.heights();
  await expectSameBlock(consortium, heightBefore!);

  const victim = consortium.nodes[2]!;
  await victim.kill('SIGKILL');
  const survivorsStart = Math.max(...(await consortium.heights()));
  await commitTxs(consortium, 100, 'during');
  await consortium.waitHeight(survivorsStart + 3);

  await victim.start();
  const target = Math.max(...(await consortium.heights(consortium.nodes.filter((node) => node !== victim))));
  await consortium.waitHeight(target, 60_000, [victim]);
  expect(await victim.metric('consortium_consensus_synced_blocks_total')).toBeGreaterThan(0);
  await commitTxs(consortium, 50, 'after');
  await consortium.waitAllReady();
  const [now] = await consortium.heights();
  await expectSameBlock(consortium, now!);
}
