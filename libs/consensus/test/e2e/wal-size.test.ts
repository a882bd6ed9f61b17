import { describe, expect, it } from 'vitest';
import { blockHash } from '../../src/block.js';
import { encodeWalEntry } from '../../src/node/wal-log.js';
import { bootNode, ReferenceChain, testConsortium } from '../unit/driver/harness.js';

/** The WAL decoder and the store accept the same largest entry (40,000 transactions: too slow for the unit suite on a busy machine). */
describe('the WAL at full size', () => {
  it('replays a WAL entry holding the largest block the store accepts (WAL and store caps agree)', async () => {
    // 24-byte transactions carry a 2-byte CBOR header each: 40,000 of them add 80,000 bytes of
    // framing to blockMaxBytes, more than the old fixed 64 KiB margin of the WAL decoder.
    const consortium = testConsortium(4, { blockMaxTxs: 40_000, txMaxBytes: 64, blockMaxBytes: 24 * 40_000 });
    const chain = new ReferenceChain(consortium);
    const txs = Array.from({ length: 40_000 }, (_, i) => {
      const tx = new Uint8Array(24);
      new DataView(tx.buffer).setUint32(0, i);
      return tx;
    });
    const block = chain.block(txs, { timeMs: 1_700_000_000_000 - 5_000 });
    const proposer = chain.proposer(1, 0);
    const t = await bootNode(consortium, { self: proposer, start: false });
    await t.store.appendWal(1, encodeWalEntry({ kind: 'signedProposal', proposal: chain.proposal(block), block }), true);
    await t.node.start();
    await t.settle();
    // The replayed proposal is back in the machine: the node prevotes for that block.
    expect(t.transport.votesSent().map((vote) => [vote.type, vote.blockHash && Buffer.from(vote.blockHash).toString('hex')])).toEqual([
      ['prevote', Buffer.from(blockHash(block)).toString('hex')],
    ]);
    await t.node.stop();
  });
});
