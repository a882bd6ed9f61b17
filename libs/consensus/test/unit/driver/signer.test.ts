import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { toHex } from '../../../src/crypto/hash.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium } from './harness.js';

/**
 * The signer keeps its own record of the last thing it signed (height, round, step, value),
 * apart from the WAL, and checks it before every signature: even with its WAL gone a restarted
 * validator cannot sign a second value for a slot.
 */
describe('the last-signed record', () => {
  for (const members of [4, 5, 7]) {
    it(`refuses to prevote a second value after the WAL is lost (${members} members)`, async () => {
      const consortium = testConsortium(members);
      const chain = new ReferenceChain(consortium);
      const first = await bootNode(consortium);
      const blockA = chain.block([kvTx('a')]);
      const proposer = chain.proposer(1, 0);
      first.transport.deliverMessage(proposer, { kind: 'proposal', proposal: chain.proposal(blockA), block: blockA });
      await first.settle();
      expect(first.transport.votesSent().map((vote) => [vote.type, vote.round, toHex(vote.blockHash!)])).toEqual([['prevote', 0, toHex(blockHash(blockA))]]);
      await first.node.stop();

      // The WAL of height 1 is lost (a damaged disk repaired by hand, a wrong backup).
      await first.store.pruneWal(2);
      expect(await first.store.readWal(1)).toEqual([]);

      // An equivocating proposer now offers another block for the same slot.
      const restarted = await bootNode(consortium, { store: first.store, clock: first.clock });
      const blockB = chain.block([kvTx('b')], { timeMs: blockA.header.timeMs + 1 });
      restarted.transport.deliverMessage(proposer, { kind: 'proposal', proposal: chain.proposal(blockB), block: blockB });
      await restarted.settle();
      restarted.clock.advance(consortium.genesis.consensus.timeoutProposeMs);
      await restarted.settle();
      const round0Prevotes = restarted.transport.votesSent().filter((vote) => vote.round === 0 && vote.type === 'prevote');
      // Re-sending the prevote for A is fine; anything else in that slot would be a double sign.
      expect(round0Prevotes.every((vote) => vote.blockHash !== null && toHex(vote.blockHash) === toHex(blockHash(blockA)))).toBe(true);

      // Still live: round 1 decides with it.
      const blockC = chain.block([kvTx('c')], { round: 1, timeMs: blockA.header.timeMs + 2 });
      deliverRound(restarted, chain, blockC, { round: 1 });
      await restarted.settle();
      expect(restarted.node.status().committedHeight).toBe(1);
      await restarted.node.stop();
    });
  }
});
