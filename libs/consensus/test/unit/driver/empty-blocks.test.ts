import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { decodeCanonical } from '../../../src/encoding/canonical.js';
import { emptyBlockDelayMs, startAtOnce } from '../../../src/node/empty-blocks.js';
import { encodeBlocksResponse, encodeTxBatch } from '../../../src/node/wire.js';
import type { Block } from '../../../src/types.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium, type NodeUnderTest } from './harness.js';

/**
 * An idle chain makes at most one empty block per emptyBlocksIntervalMs (CometBFT's
 * create_empty_blocks_interval): after a commit the node waits, with no step timeout running,
 * until a transaction, the interval since the last block's time, the round's proposer's
 * proposal, or messages from more than a third of the voting power.
 */

const INTERVAL_MS = 10_000;

/** Peers decide the next block (dated now) with the node under test; the commit pause runs out. */
async function commitNext(t: NodeUnderTest, chain: ReferenceChain, txs: readonly Uint8Array[] = []): Promise<Block> {
  const block = chain.block(txs, { timeMs: t.clock.nowMs() });
  deliverRound(t, chain, block);
  await t.settle();
  await chain.commit(block, chain.certificate(block));
  t.clock.advance(chain.consortium.genesis.consensus.timeoutCommitMs);
  await t.settle();
  expect(t.node.status().committedHeight).toBe(block.header.height);
  return block;
}

/** A node of a four-member chain with an interval, waiting after an empty block 1 that it committed with the others. */
async function waitingAfterBlock1(self = 'm0') {
  const consortium = testConsortium(4, { emptyBlocksIntervalMs: INTERVAL_MS });
  const chain = new ReferenceChain(consortium);
  const t = await bootNode(consortium, { self });
  const block = await commitNext(t, chain);
  return { consortium, chain, t, block };
}

/** Proposals and votes the node sent for `height` since `since` (status frames aside). */
function signedFor(t: NodeUnderTest, height: number, since: number) {
  return t.transport.consensusSent(since).filter((m) => (m.kind === 'vote' ? m.vote.height === height : m.kind === 'proposal' && m.proposal.height === height));
}

describe('empty blocks: the decision (pure)', () => {
  it('starts at once for an interval of 0, the first block, a changed app hash or waiting transactions; waits otherwise', () => {
    const params = { emptyBlocksIntervalMs: INTERVAL_MS };
    expect(startAtOnce({ emptyBlocksIntervalMs: 0 }, { appHashPending: false }, 0)).toBe('no_wait');
    expect(startAtOnce(params, { appHashPending: true }, 0)).toBe('proof');
    expect(startAtOnce(params, { appHashPending: false }, 3)).toBe('txs');
    expect(startAtOnce(params, { appHashPending: false }, 0)).toBeNull();
    expect(emptyBlockDelayMs(params, { timeMs: 1_000 }, 4_000)).toBe(7_000);
    expect(emptyBlockDelayMs(params, { timeMs: 1_000 }, 60_000)).toBe(0);
  });
});

describe('empty blocks: the driver', () => {
  it('waits after an empty block without timeouts, then starts round 0 when the interval since the block time has passed', async () => {
    const consortium = testConsortium(4, { emptyBlocksIntervalMs: INTERVAL_MS });
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    // Height 1 starts at once (no block certifies the genesis app state yet).
    expect(t.node.status().waitingForTxs).toBe(false);
    const block = await commitNext(t, chain);
    expect(t.node.status()).toMatchObject({ waitingForTxs: true, height: 1, committedHeight: 1 });
    const since = t.transport.sent.length;
    // Far past every step timeout: a waiting node neither proposes nor votes (height 2's proposer is m3).
    t.clock.advance(INTERVAL_MS - 1 - consortium.genesis.consensus.timeoutCommitMs);
    await t.settle();
    expect(signedFor(t, 2, since)).toEqual([]);
    expect(t.node.status().waitingForTxs).toBe(true);
    // The interval is counted from the block's time.
    t.clock.advance(block.header.timeMs + INTERVAL_MS - t.clock.nowMs());
    await t.settle();
    expect(t.node.status()).toMatchObject({ waitingForTxs: false, height: 2, round: 0, step: 'propose' });
    // Round 0 runs normally from here: no proposal within timeoutPropose, so the node prevotes nil.
    t.clock.advance(consortium.genesis.consensus.timeoutProposeMs);
    await t.settle();
    expect(t.transport.votesSent(since)).toEqual([expect.objectContaining({ type: 'prevote', height: 2, round: 0, blockHash: null })]);
    await t.node.stop();
  });

  it('starts at once when a client submits a transaction: the proposer proposes it without waiting for the interval', async () => {
    const { t } = await waitingAfterBlock1('m2');
    expect(t.node.status().waitingForTxs).toBe(true);
    const since = t.transport.sent.length;
    t.clock.advance(1_000);
    const tx = kvTx('wake');
    expect((await t.node.submitTx(tx)).accepted).toBe(true);
    await t.settle();
    const proposals = t.transport.consensusSent(since).flatMap((m) => (m.kind === 'proposal' ? [m] : []));
    expect(proposals).toHaveLength(1);
    expect(proposals[0]!.block.txs).toEqual([tx]);
    await t.node.stop();
  });

  it("starts at once when a peer gossips a transaction (a transaction that reached only another member)", async () => {
    const { t } = await waitingAfterBlock1('m2');
    const since = t.transport.sent.length;
    t.transport.deliver('m1', 'tx', encodeTxBatch([kvTx('gossiped')]));
    await t.settle();
    expect(t.transport.consensusSent(since).some((m) => m.kind === 'proposal' && m.proposal.height === 2)).toBe(true);
    await t.node.stop();
  });

  it('a non-proposer holding a transaction gossips it again when round 0 brings no proposal (its first gossip may never have arrived)', async () => {
    const { consortium, t } = await waitingAfterBlock1();
    const tx = kvTx('lost-gossip');
    expect((await t.node.submitTx(tx)).accepted).toBe(true);
    t.clock.advance(5);
    await t.settle();
    const gossipedTx = () => t.transport.sent.filter((frame) => frame.channel === 'tx').flatMap((frame) => (decodeCanonical(frame.payload, 1024 * 1024) as { t: Uint8Array[] }).t);
    expect(gossipedTx()).toEqual([tx]);
    // Height 2 started (the transaction); its proposer m2 never proposes.
    t.clock.advance(consortium.genesis.consensus.timeoutProposeMs);
    await t.settle();
    t.clock.advance(5);
    await t.settle();
    expect(gossipedTx()).toEqual([tx, tx]);
    await t.node.stop();
  });

  it("round 0's proposer's proposal starts a waiting node, which prevotes it at once", async () => {
    const { chain, t } = await waitingAfterBlock1();
    const since = t.transport.sent.length;
    t.clock.advance(2_000);
    const block = chain.block([kvTx('proposed')], { timeMs: t.clock.nowMs() });
    t.transport.deliverMessage('m3', { kind: 'proposal', proposal: chain.proposal(block), block });
    await t.settle();
    expect(t.node.status().waitingForTxs).toBe(false);
    expect(t.transport.votesSent(since)).toEqual([expect.objectContaining({ type: 'prevote', height: 2, round: 0, blockHash: blockHash(block) })]);
    await t.node.stop();
  });

  it('one validator voting at the next height does not start it (a Byzantine member cannot force empty blocks); more than a third of the power does', async () => {
    const { chain, t } = await waitingAfterBlock1();
    // m1 is not height 2's round 0 proposer but round 3's: its proposal and its vote count as one validator's messages.
    expect(chain.proposer(2, 3)).toBe('m1');
    const stray = chain.block([], { round: 3, timeMs: t.clock.nowMs() + 1 });
    t.transport.deliverMessage('m1', { kind: 'vote', vote: chain.vote('prevote', 'm1', 2, 0, null) });
    t.transport.deliverMessage('m1', { kind: 'proposal', proposal: chain.proposal(stray, 3), block: stray });
    await t.settle();
    expect(t.node.status().waitingForTxs).toBe(true);
    // m2 too: two of four, more than a third; at least one correct validator started height 2.
    t.transport.deliverMessage('m2', { kind: 'vote', vote: chain.vote('prevote', 'm2', 2, 0, null) });
    await t.settle();
    expect(t.node.status()).toMatchObject({ waitingForTxs: false, height: 2 });
    await t.node.stop();
  });

  it('a block with transactions is followed at once by the block that certifies its app hash', async () => {
    const consortium = testConsortium(4, { emptyBlocksIntervalMs: INTERVAL_MS });
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    await commitNext(t, chain, [kvTx('changes-the-state')]);
    expect(t.node.status()).toMatchObject({ waitingForTxs: false, height: 2 });
    // That block (empty) leaves the app hash certified: the chain waits after it.
    await commitNext(t, chain);
    expect(t.node.status()).toMatchObject({ waitingForTxs: true, height: 2 });
    await t.node.stop();
  });

  it('a restarted node that had not started the next height waits like the others', async () => {
    const { consortium, t, block } = await waitingAfterBlock1();
    await t.node.stop();
    const restarted = await bootNode(consortium, { store: t.store, clock: t.clock });
    expect(restarted.node.status()).toMatchObject({ waitingForTxs: true, height: 1, committedHeight: 1 });
    restarted.clock.advance(block.header.timeMs + INTERVAL_MS - restarted.clock.nowMs());
    await restarted.settle();
    expect(restarted.node.status()).toMatchObject({ waitingForTxs: false, height: 2 });
    await restarted.node.stop();
  });

  it('a waiting node whose peers committed the awaited height syncs it, then waits at the next one', async () => {
    const { chain, t } = await waitingAfterBlock1();
    // The others decided height 2 without this node (it missed every message of it).
    t.clock.advance(1_000);
    const block = chain.block([], { timeMs: t.clock.nowMs() });
    const certificate = chain.certificate(block);
    await chain.commit(block, certificate);
    t.transport.respond = () => Promise.resolve(encodeBlocksResponse([{ block, certificate }]));
    t.transport.deliverMessage('m3', { kind: 'status', height: 3, round: 0, committedHeight: 2, certificate });
    await t.settle();
    // Status ticks past the sync grace: the backed claim one height ahead is fetched.
    for (let tick = 0; tick < 4; tick++) {
      t.clock.advance(500);
      await t.settle();
    }
    expect(t.transport.requests.map((request) => request.to)).toEqual(['m3']);
    expect(t.node.status()).toMatchObject({ committedHeight: 2, waitingForTxs: true, height: 2 });
    await t.node.stop();
  });

  it('with an interval of 0 the next height starts after the commit pause, as before', async () => {
    const consortium = testConsortium(4, { emptyBlocksIntervalMs: 0 });
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    await commitNext(t, chain);
    expect(t.node.status()).toMatchObject({ waitingForTxs: false, height: 2 });
    await t.node.stop();
  });
});
