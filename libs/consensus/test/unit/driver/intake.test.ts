import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { toHex } from '../../../src/crypto/hash.js';
import { encodeCanonical } from '../../../src/encoding/canonical.js';
import { decodeWalEntry } from '../../../src/node/wal-log.js';
import { encodeTxBatch } from '../../../src/node/wire.js';
import type { Block } from '../../../src/types.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium, type NodeUnderTest } from './harness.js';

/**
 * What a peer sends is decoded, authenticated, checked and bounded before it costs the node
 * anything durable: a tampered block is refused before deduplication, the WAL only receives
 * inputs the state machine keeps, and buffers and queues are bounded per validator in bytes
 * and counts.
 */

async function walInputs(t: NodeUnderTest, height = 1) {
  const { blockMaxBytes, blockMaxTxs, txMaxBytes } = t.node.limits;
  return (await t.store.readWal(height)).map((bytes) => decodeWalEntry(bytes, { blockMaxBytes, blockMaxTxs, txMaxBytes })).filter((entry) => entry.kind === 'input');
}

describe('message intake', () => {
  it('refuses a relayed proposal whose block does not hash to the proposal, and accepts the genuine one after it', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const genuine = chain.block([kvTx('genuine')]);
    const proposal = chain.proposal(genuine);
    const tampered: Block = { ...genuine, txs: [kvTx('tampered')] };
    t.transport.deliverMessage('m2', { kind: 'proposal', proposal, block: tampered });
    await t.settle();
    expect(t.transport.invalid).toEqual([{ from: 'm2', kind: 'malformed' }]);
    expect(await walInputs(t)).toEqual([]);
    t.transport.deliverMessage('m1', { kind: 'proposal', proposal, block: genuine });
    await t.settle();
    expect(t.transport.votesSent().map((vote) => vote.blockHash && toHex(vote.blockHash))).toEqual([toHex(blockHash(genuine))]);
    await t.node.stop();
  });

  it('writes to the WAL only what the machine keeps: no duplicates, third values or far rounds', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const blocks = [0, 1, 2].map((i) => chain.block([kvTx(`value-${i}`)], { timeMs: 1_600_000_001_000 + i }));
    const hashes = blocks.map((block) => blockHash(block));
    // The same vote three times: one entry.
    for (let i = 0; i < 3; i++) t.transport.deliverMessage('m2', { kind: 'vote', vote: chain.vote('precommit', 'm2', 1, 0, null) });
    // An equivocator's three values for one slot: the first two count, the third is dropped.
    for (const hash of hashes) t.transport.deliverMessage('m3', { kind: 'vote', vote: chain.vote('prevote', 'm3', 1, 0, hash) });
    // Rounds far beyond the window (up to the codec's 1,000,000): only noted, never logged.
    for (const round of [1_000, 50_000, 1_000_000]) t.transport.deliverMessage('m3', { kind: 'vote', vote: chain.vote('prevote', 'm3', 1, round, null) });
    // Three proposals for one slot (4 MiB each in the example): two at most.
    for (const block of blocks) t.transport.deliverMessage('m1', { kind: 'proposal', proposal: chain.proposal(block), block });
    await t.settle();
    const inputs = await walInputs(t);
    const kinds = inputs.map((entry) => (entry.kind === 'input' ? entry.event.kind : ''));
    expect(kinds.filter((kind) => kind === 'vote')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'proposal')).toHaveLength(2);
    await t.node.stop();
  });

  it("bounds the next height's buffered messages per validator in bytes", async () => {
    const consortium = testConsortium(4, { blockMaxBytes: 1024 * 1024, txMaxBytes: 32 * 1024 });
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    // m1 proposes at height 2 in rounds 3, 7, 11...: 60 proposals of about 200 KiB each.
    const next = new ReferenceChain(consortium);
    await next.extend(1);
    const bigTxs = Array.from({ length: 13 }, (_, i) => kvTx(`big-${i}`, 16_000));
    for (let k = 0; k < 60; k++) {
      const round = 3 + 4 * k;
      const block = next.block(bigTxs, { round, timeMs: 1_600_000_010_000 + k });
      t.transport.deliverMessage('m1', { kind: 'proposal', proposal: next.proposal(block, round), block });
    }
    // An honest validator ahead by one height still gets its vote kept.
    t.transport.deliverMessage('m2', { kind: 'vote', vote: chain.vote('prevote', 'm2', 2, 0, null) });
    await t.settle();
    const status = t.node.status();
    expect(status.bufferedFutureBytes).toBeLessThanOrEqual(t.node.limits.futureBufferBytesPerValidator + 1024);
    expect(status.bufferedFutureMessages).toBeGreaterThan(1);
    await t.node.stop();
  });

  it('bounds the input queue per peer while the routine is busy', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    // The application takes its time over a proposal: the routine waits, inputs queue up.
    let release: (accepted: boolean) => void = () => {};
    t.app.processProposal = () => new Promise<boolean>((resolve) => (release = resolve));
    const block = chain.block([kvTx('slow')]);
    t.transport.deliverMessage('m1', { kind: 'proposal', proposal: chain.proposal(block), block });
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let round = 0; round < 1_500; round++) t.transport.deliverMessage('m3', { kind: 'vote', vote: chain.vote('precommit', 'm3', 1, 100 + round, null) });
    const status = t.node.status();
    // m3's share, and m1's proposal.
    expect(status.queuedInputs).toBe(t.node.limits.inputQueueTasksPerPeer + 1);
    // The node's own events do not pile up while the routine waits: a minute of status ticks
    // and step timeouts adds a handful of tasks, not one per tick.
    t.clock.advance(60_000);
    expect(t.node.status().routineTasks - status.routineTasks).toBeLessThanOrEqual(4);
    release(true);
    await t.settle();
    await t.node.stop();
  });

  it('reports gossiped transactions that the application refuses against their sender', async () => {
    const consortium = testConsortium(4);
    const t = await bootNode(consortium);
    t.transport.deliver('m2', 'tx', encodeTxBatch([kvTx('fine'), encodeCanonical({ not: 'a kv tx' })]));
    await t.settle();
    expect(t.transport.invalid).toEqual([{ from: 'm2', kind: 'invalid_tx' }]);
    expect(t.mempool.size).toBe(1);
    await t.node.stop();
  });

  it('keeps what peers send between its construction and its start', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium, { start: false });
    deliverRound(t, chain, chain.block([kvTx('early')]));
    expect(t.transport.droppedBeforeHandler).toEqual([]);
    await t.node.start();
    await t.settle();
    expect(t.node.status().committedHeight).toBe(1);
    await t.node.stop();
  });

  it('prevotes nil for a block dated further in the future than the allowed clock drift', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const block = chain.block([kvTx('early-bird')], { timeMs: t.clock.nowMs() + 3_600_000 });
    t.transport.deliverMessage('m1', { kind: 'proposal', proposal: chain.proposal(block), block });
    await t.settle();
    expect(t.transport.votesSent().map((vote) => [vote.type, vote.blockHash])).toEqual([['prevote', null]]);
    await t.node.stop();
  });

  // T13 (docs/security.md): a Byzantine proposer's block that executes a transaction twice. The
  // key-value application accepts both blocks (it only decodes each transaction), so the
  // consensus check (findBlockProblem) is what stands between them and a prevote.
  it('prevotes nil for a proposed block that holds one transaction twice', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const tx = kvTx('paid-once');
    const block = chain.block([tx, kvTx('other'), tx]);
    t.transport.deliverMessage('m1', { kind: 'proposal', proposal: chain.proposal(block), block });
    await t.settle();
    expect(t.transport.votesSent().map((vote) => [vote.type, vote.blockHash])).toEqual([['prevote', null]]);
    expect(t.logs.find((line) => line.msg === 'invalid proposal: prevoting nil')?.fields.problem).toMatch(/^transaction [0-9a-f]{12} appears twice$/);
    await t.node.stop();
  });

  it('prevotes nil for a proposed block that replays a transaction committed at an earlier height', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const tx = kvTx('paid-once');
    const first = chain.block([tx]);
    deliverRound(t, chain, first);
    await t.settle();
    await chain.commit(first, chain.certificate(first));
    t.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await t.settle();
    expect(t.node.status().committedHeight).toBe(1);
    const sentBefore = t.transport.sent.length;
    // Height 2's proposer (m2) puts the committed transaction in again, beside a fresh one.
    const replay = chain.block([kvTx('fresh'), tx]);
    t.transport.deliverMessage('m2', { kind: 'proposal', proposal: chain.proposal(replay), block: replay });
    await t.settle();
    expect(t.transport.votesSent(sentBefore).map((vote) => [vote.type, vote.height, vote.blockHash])).toEqual([['prevote', 2, null]]);
    expect(t.logs.find((line) => line.msg === 'invalid proposal: prevoting nil')?.fields.problem).toMatch(/^transaction [0-9a-f]{12} was already committed$/);
    await t.node.stop();
  });
});
