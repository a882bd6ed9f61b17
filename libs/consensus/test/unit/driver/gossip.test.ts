import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { decodeCanonical } from '../../../src/encoding/canonical.js';
import { bootNode, kvTx, ReferenceChain, testConsortium } from './harness.js';

/** What the node sends must fit the receivers' frame limits and rates, whatever clients submit. */
describe('outbound gossip', () => {
  it('splits transaction gossip into frames the transport accepts (the 1 MiB tx frame of libs/p2p)', async () => {
    const consortium = testConsortium(4);
    const t = await bootNode(consortium);
    t.transport.frameMaxBytes = { tx: 1024 * 1024 };
    // The reported trigger, scaled to the key-value application's largest transaction (16 KiB
    // values): 70 of them within one 5 ms flush window, 1.1 MiB together.
    const txs = Array.from({ length: 70 }, (_, i) => kvTx(`large-${i}`, 16 * 1024));
    const outcomes = await Promise.all(txs.map((tx) => t.node.submitTx(tx)));
    expect(outcomes.every((outcome) => outcome.accepted)).toBe(true);
    t.clock.advance(5);
    await t.settle();
    const frames = t.transport.sent.filter((frame) => frame.channel === 'tx');
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((frame) => frame.payload.byteLength <= 1024 * 1024)).toBe(true);
    const gossiped = frames.flatMap((frame) => (decodeCanonical(frame.payload, 2 * 1024 * 1024) as { t: Uint8Array[] }).t);
    expect(gossiped).toHaveLength(70);
    await t.node.stop();
  });

  it('sends the transactions of the pending gossip batch when it stops (a graceful shutdown loses none)', async () => {
    const t = await bootNode(testConsortium(4));
    const tx = kvTx('just-before-stop');
    expect((await t.node.submitTx(tx)).accepted).toBe(true);
    await t.node.stop();
    const frames = t.transport.sent.filter((frame) => frame.channel === 'tx');
    expect(frames.flatMap((frame) => (decodeCanonical(frame.payload, 1024 * 1024) as { t: Uint8Array[] }).t)).toEqual([tx]);
  });

  it('relays a stalled height within the per-tick budget of frames and bytes', async () => {
    const consortium = testConsortium(4, { blockMaxBytes: 1024 * 1024, txMaxBytes: 32 * 1024 });
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    // Hold a lot for height 1: every peer's nil votes in 60 rounds, and large proposals.
    for (let round = 0; round < 60; round++) {
      for (const voter of ['m1', 'm2', 'm3']) {
        t.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('prevote', voter, 1, round, null) });
        t.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('precommit', voter, 1, round, null) });
      }
    }
    const bigTxs = Array.from({ length: 12 }, (_, i) => kvTx(`relay-${i}`, 16_000));
    for (const round of [1, 2, 5, 6]) {
      const block = chain.block(bigTxs, { round, timeMs: 1_600_000_002_000 + round });
      t.transport.deliverMessage(chain.proposer(1, round), { kind: 'proposal', proposal: chain.proposal(block, round), block });
      expect(blockHash(block)).toHaveLength(32);
    }
    await t.settle();
    // Two status ticks at one height: the node relays what it holds, once per tick.
    t.clock.advance(500);
    await t.settle();
    const before = t.transport.sent.length;
    t.clock.advance(500);
    await t.settle();
    const tick = t.transport.sent.slice(before).filter((frame) => frame.channel === 'consensus');
    const bytes = tick.reduce((sum, frame) => sum + frame.payload.byteLength, 0);
    const { relayFramesPerSecond, relayBytesPerSecond } = t.node.limits;
    expect(tick.length).toBeLessThanOrEqual(Math.ceil(relayFramesPerSecond / 2) + 2);
    expect(bytes).toBeLessThanOrEqual(Math.ceil(relayBytesPerSecond / 2) + 4096);
    expect(tick.length).toBeGreaterThan(10);
    await t.node.stop();
  });

  it('relays a long-stalled height at the first tick after a member connects again, not at the back-off of 16 ticks', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    // m3 is cut off; the others' nil prevotes of height 1 are held, with no quorum to go on.
    t.transport.connected = ['m1', 'm2'];
    await t.settle();
    for (const voter of ['m1', 'm2']) t.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('prevote', voter, 1, 0, null) });
    await t.settle();
    const relayedInTick = async (): Promise<number> => {
      const before = t.transport.sent.length;
      t.clock.advance(500);
      await t.settle();
      return t.transport.consensusSent(before).filter((message) => message.kind !== 'status').length;
    };
    // A minute of stall: the relay backs off to every 16th tick.
    const relays: number[] = [];
    for (let tick = 0; tick < 120; tick++) relays.push(await relayedInTick());
    const relayTicks = relays.flatMap((count, tick) => (count > 0 ? [tick] : []));
    expect(relayTicks.at(-1)! - relayTicks.at(-2)!).toBe(16);
    // Right after a relay: the next is 16 ticks away, unless a member arrives.
    while ((await relayedInTick()) === 0);
    t.transport.connected = ['m1', 'm2', 'm3'];
    expect(await relayedInTick()).toBeGreaterThan(0);
    await t.node.stop();
  });
});
