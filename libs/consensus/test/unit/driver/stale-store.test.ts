import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { toHex } from '../../../src/crypto/hash.js';
import type { MemberId } from '../../../src/genesis/types.js';
import { decodeOwnMessagesAnswer, encodeOwnMessagesAnswer, encodeOwnMessagesRequest, type OwnMessagesAnswer } from '../../../src/node/own-messages.js';
import { RestartSigningGate, type Passage } from '../../../src/node/restart-gate.js';
import { bootNode, commitHeights, deliverRound, kvTx, ManualClock, ReferenceChain, testConsortium } from './harness.js';

/**
 * A node commits height 1; the copy an operator will restore is taken there (its record at
 * height 1); at height 2 the node prevotes block A, then its process dies.
 */
async function prevoteAfterTheCopyThenDie(consortium: ReturnType<typeof testConsortium>, chain: ReferenceChain, self: MemberId) {
  const first = await bootNode(consortium, { self });
  await commitHeights(first, chain, 1);
  const copy = first.store.crashCopy({ loseUnsyncedWal: false });
  const blockA = chain.block([kvTx('a')]);
  first.transport.deliverMessage(chain.proposer(2, 0), { kind: 'proposal', proposal: chain.proposal(blockA), block: blockA });
  await first.settle();
  const prevoteA = first.transport.votesSent().find((vote) => vote.height === 2 && vote.type === 'prevote');
  if (prevoteA === undefined) throw new Error('the node did not prevote at height 2');
  await first.node.stop();
  return { first, copy, blockA, prevoteA };
}

/**
 * A validator restored from an old copy of its store (a backup, a copied data directory) has an
 * old WAL and an old last-signed record: without a guard it signs again slots its key signed
 * before. signer.ts fences what the node can learn of: its own signatures seen beyond its record
 * (a peer relaying its vote, a certificate, a peer's answer to its question after a restart),
 * and, after a restart, no new signature before peers holding a quorum with it answered what
 * they hold of its messages, with the first height sat out while the others can decide it
 * (RestartSigningGate, restart-gate.ts).
 */
describe('a node restored from an old copy of its store', () => {
  it('signs nothing at a height where a peer shows it its own signature beyond its record, and signs again after it', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    // A member that proposes none of the rounds below: what it signs is votes only.
    const self = consortium.ids.find((id) => ![chain.proposer(1, 0), chain.proposer(2, 0), chain.proposer(2, 1), chain.proposer(3, 0)].includes(id))!;
    const { first, copy, blockA, prevoteA } = await prevoteAfterTheCopyThenDie(consortium, chain, self);
    expect(toHex(prevoteA.blockHash!)).toBe(toHex(blockHash(blockA)));

    // Restored from the copy (the restart gate is off here: this test is about the fence).
    const restored = await bootNode(consortium, { self, store: copy, clock: first.clock });
    expect(restored.node.status().height).toBe(2);
    // A peer relays the prevote the node signed before the restore: its store is stale.
    const peer = consortium.ids.find((id) => id !== self)!;
    restored.transport.deliverMessage(peer, { kind: 'vote', vote: prevoteA });
    await restored.settle();
    expect(restored.node.staleStore).toMatchObject({ detections: 1, fencedThroughHeight: 2 });
    expect(restored.logs.some((line) => line.fields.securityEvent === 'stale_signer_store')).toBe(true);

    // An equivocating proposer offers another block for the same round, then the rounds time out:
    // without the fence the node would prevote B (or nil) at 2/0, a second value where it prevoted A.
    const blockB = chain.block([kvTx('b')], { timeMs: blockA.header.timeMs + 1 });
    restored.transport.deliverMessage(chain.proposer(2, 0), { kind: 'proposal', proposal: chain.proposal(blockB), block: blockB });
    await restored.settle();
    restored.clock.advance(consortium.genesis.consensus.timeoutProposeMs + consortium.genesis.consensus.timeoutPrevoteMs);
    await restored.settle();
    expect(restored.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    expect(restored.node.staleStore.fencedSignatures).toBeGreaterThan(0);

    // The others decide height 2 without it; at height 3 it signs again.
    const others = consortium.ids.filter((id) => id !== self);
    const blockC = chain.block([kvTx('c')], { round: 1, timeMs: blockA.header.timeMs + 2 });
    deliverRound(restored, chain, blockC, { round: 1, voters: others });
    await restored.settle();
    expect(restored.node.status().committedHeight).toBe(2);
    expect(restored.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    await chain.commit(blockC, chain.certificate(blockC, 1, others));
    restored.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await restored.settle();
    const blockD = chain.block([kvTx('d')]);
    restored.transport.deliverMessage(chain.proposer(3, 0), { kind: 'proposal', proposal: chain.proposal(blockD), block: blockD });
    await restored.settle();
    expect(restored.transport.votesSent().filter((vote) => vote.height === 3).map((vote) => [vote.type, toHex(vote.blockHash!)])).toEqual([['prevote', toHex(blockHash(blockD))]]);
    await restored.node.stop();
  });

  it('learns of its own precommit from the last commit of the next proposal, and sits that height out', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const self = consortium.ids.find((id) => ![chain.proposer(1, 0), chain.proposer(2, 0), chain.proposer(3, 0)].includes(id))!;
    const others = consortium.ids.filter((id) => id !== self);
    // An empty store, as if restored from a copy made before the node ever signed.
    const restored = await bootNode(consortium, { self });

    // Height 1: the others' precommits decide it; this node prevotes, and never precommits.
    const block1 = chain.block([kvTx('a')]);
    restored.transport.deliverMessage(chain.proposer(1, 0), { kind: 'proposal', proposal: chain.proposal(block1), block: block1 });
    for (const voter of others) restored.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('precommit', voter, 1, 0, blockHash(block1)) });
    await restored.settle();
    expect(restored.node.status().committedHeight).toBe(1);
    expect(restored.transport.votesSent().map((vote) => vote.type)).toEqual(['prevote']);
    expect(restored.node.staleStore.detections).toBe(0);
    // But its key did precommit height 1 before (its lost life): the chain's certificate holds it.
    const withOwnPrecommit = [self, ...others.slice(0, 2)];
    await chain.commit(block1, chain.certificate(block1, 0, withOwnPrecommit));
    restored.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await restored.settle();

    // Height 2's proposal carries that certificate as its last commit: the node learns of its
    // lost precommit before it votes, and sits height 2 out (the one after the highest it knew decided).
    const block2 = chain.block([kvTx('b')]);
    deliverRound(restored, chain, block2, { voters: others });
    await restored.settle();
    expect(restored.node.staleStore).toMatchObject({ detections: 1, fencedThroughHeight: 2 });
    expect(restored.node.status().committedHeight).toBe(2);
    expect(restored.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    await chain.commit(block2, chain.certificate(block2, 0, others));
    restored.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await restored.settle();

    // Height 3: it signs again.
    const block3 = chain.block([kvTx('c')]);
    restored.transport.deliverMessage(chain.proposer(3, 0), { kind: 'proposal', proposal: chain.proposal(block3), block: block3 });
    await restored.settle();
    expect(restored.transport.votesSent().filter((vote) => vote.height === 3).map((vote) => vote.type)).toEqual(['prevote']);
    await restored.node.stop();
  });
});

describe('the restart signing gate', () => {
  const consortium = testConsortium(4);
  const [self, a, b, c] = consortium.ids as [MemberId, MemberId, MemberId, MemberId];
  const timing = { askEveryMs: 500, freshMs: 1_500, sitOutMaxMs: 10_000 };
  const here = (committedHeight: number, restarting = false) => ({ committedHeight, restarting });

  function gateUnderTest(restarted = true) {
    const clock = new ManualClock();
    const asked: MemberId[] = [];
    const gate = new RestartSigningGate(consortium.validators, self, clock, timing, (member) => asked.push(member));
    gate.started(restarted);
    gate.askAll();
    return { clock, asked, gate };
  }

  function watch(passage: Promise<Passage>): { outcome: Passage | null } {
    const seen: { outcome: Passage | null } = { outcome: null };
    void passage.then((outcome) => (seen.outcome = outcome));
    return seen;
  }

  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('asks every peer at the start, and waits until a quorum answered from the height and every other peer answered or failed', async () => {
    const { gate, asked } = gateUnderTest();
    expect(asked.sort()).toEqual([a, b, c].sort());
    expect(gate.restarting).toBe(true);
    const seen = watch(gate.passage(5, () => 0));
    // Members restarted together: nobody can decide height 5 without this node.
    gate.answered(a, here(4, true));
    gate.answered(b, here(4, true));
    await flush();
    // A quorum with this node, but c's question is still out: it may hold this node's messages.
    expect(seen.outcome).toBeNull();
    gate.unanswered(c);
    await flush();
    expect(seen.outcome).toBe('open');
    expect(gate.restarting).toBe(false);
    // Open until the next restart.
    expect(await gate.passage(9, () => 0)).toBe('open');
  });

  it('does not count answers from another height towards the quorum', async () => {
    const { gate } = gateUnderTest();
    const seen = watch(gate.passage(5, () => 0));
    gate.answered(a, here(4, true));
    gate.answered(b, here(2, true));
    gate.answered(c, here(3, true));
    await flush();
    expect(seen.outcome).toBeNull();
    gate.answered(b, here(4, true));
    await flush();
    expect(seen.outcome).toBe('open');
  });

  it('sits the first height out while members that are not restarting can decide it, and gives it up once decided', async () => {
    const { gate, clock } = gateUnderTest();
    let decided = 4;
    const first = watch(gate.passage(5, () => decided));
    for (const peer of [a, b, c]) gate.answered(peer, here(4));
    await flush();
    expect(first.outcome).toBeNull();
    expect(gate.restarting).toBe(true);
    clock.advance(1_000);
    for (const peer of [a, b, c]) gate.answered(peer, here(4));
    await flush();
    expect(first.outcome).toBeNull();
    // A certificate shows height 5 decided: not signed there.
    decided = 5;
    gate.wake();
    await flush();
    expect(first.outcome).toBe('skip');
    // The next height is not sat out: once its answers are in, it opens.
    const second = watch(gate.passage(6, () => decided));
    await flush();
    expect(second.outcome).toBeNull();
    for (const peer of [a, b, c]) gate.answered(peer, here(5));
    await flush();
    expect(second.outcome).toBe('open');
  });

  it('stops sitting out when the others no longer hold a quorum without it (one stopped answering)', async () => {
    const { gate, clock } = gateUnderTest();
    const seen = watch(gate.passage(5, () => 0));
    for (const peer of [a, b, c]) gate.answered(peer, here(4));
    await flush();
    expect(seen.outcome).toBeNull();
    // a and b keep answering; c crashed: its last answer grows old.
    for (let tick = 0; tick < 4; tick++) {
      clock.advance(timing.askEveryMs);
      gate.answered(a, here(4));
      gate.answered(b, here(4));
      gate.unanswered(c);
      await flush();
    }
    expect(seen.outcome).toBe('open');
  });

  it('stops sitting out when another member is restarting too (it is needed)', async () => {
    const { gate } = gateUnderTest();
    const seen = watch(gate.passage(5, () => 0));
    gate.answered(a, here(4));
    gate.answered(b, here(4));
    gate.answered(c, here(4, true));
    await flush();
    expect(seen.outcome).toBe('open');
  });

  it('stops sitting out after its longest sit-out when the others do not decide', async () => {
    const { gate, clock } = gateUnderTest();
    const seen = watch(gate.passage(5, () => 0));
    for (let elapsedMs = 0; elapsedMs < timing.sitOutMaxMs; elapsedMs += timing.askEveryMs) {
      for (const peer of [a, b, c]) gate.answered(peer, here(4));
      await flush();
      expect(seen.outcome).toBeNull();
      clock.advance(timing.askEveryMs);
    }
    for (const peer of [a, b, c]) gate.answered(peer, here(4));
    await flush();
    expect(seen.outcome).toBe('open');
  });

  it('asks again every period while it waits, and never twice at once', () => {
    const { gate, clock, asked } = gateUnderTest();
    asked.length = 0;
    void gate.passage(5, () => 0);
    // The questions of the start are still out: not asked again.
    expect(asked).toEqual([]);
    gate.unanswered(a);
    gate.answered(b, here(4));
    clock.advance(timing.askEveryMs);
    expect(asked.sort()).toEqual([a, b].sort());
  });

  it('gives up, without signing, once a certificate shows the height decided or the node stops', async () => {
    const { gate } = gateUnderTest();
    let decided = 0;
    const waiting = gate.passage(5, () => decided);
    decided = 5;
    gate.wake();
    expect(await waiting).toBe('skip');
    const stopped = gate.passage(6, () => decided);
    gate.close();
    expect(await stopped).toBe('skip');
  });

  it('lets a first start and a member that is a quorum alone sign at once', async () => {
    const { gate, asked } = gateUnderTest(false);
    expect(asked).toEqual([]);
    expect(gate.restarting).toBe(false);
    expect(await gate.passage(3, () => 0)).toBe('open');
    const solo = testConsortium(1);
    const alone = new RestartSigningGate(solo.validators, solo.ids[0]!, new ManualClock(), timing, () => undefined);
    alone.started(true);
    alone.askAll();
    expect(await alone.passage(3, () => 0)).toBe('open');
  });
});

describe('a restarted node asks its peers what they hold of its messages', () => {
  /** Answers the restarted node's questions as `answer` says (null: the peer cannot be reached). */
  function answering(t: Awaited<ReturnType<typeof bootNode>>, answer: (to: MemberId) => OwnMessagesAnswer | null): void {
    t.transport.respond = (to) => {
      const reply = answer(to);
      return reply === null ? Promise.reject(new Error('not connected')) : Promise.resolve(encodeOwnMessagesAnswer(reply));
    };
  }
  const at = (height: number, restarting = false): OwnMessagesAnswer => ({ height, round: 0, committedHeight: height - 1, restarting, votes: [], proposals: [] });
  const gated = { options: { restartSigningGate: true } };
  const ticks = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  it('fences the height when a peer answers with a prevote its restored store does not know', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const self = consortium.ids.find((id) => ![chain.proposer(1, 0), chain.proposer(2, 0), chain.proposer(2, 1)].includes(id))!;
    const { first, copy, blockA, prevoteA } = await prevoteAfterTheCopyThenDie(consortium, chain, self);

    // Restored from the copy; one peer holds the prevote (a partition kept it from the others).
    const [holder] = consortium.ids.filter((id) => id !== self);
    const restored = await bootNode(consortium, { self, store: copy, clock: first.clock, start: false, ...gated });
    answering(restored, (to) => (to === holder ? { ...at(2), votes: [prevoteA] } : at(2, true)));
    await restored.node.start();
    await restored.settle();
    expect(restored.transport.requests.map((request) => request.to).sort()).toEqual(consortium.ids.filter((id) => id !== self).sort());
    expect(restored.node.staleStore).toMatchObject({ detections: 1, fencedThroughHeight: 2 });
    expect(restored.logs.some((line) => line.fields.securityEvent === 'stale_signer_store')).toBe(true);

    // Round 1's proposal and the timeouts: nothing signed at height 2.
    const blockB = chain.block([kvTx('b')], { round: 1, timeMs: blockA.header.timeMs + 1 });
    restored.transport.deliverMessage(chain.proposer(2, 0), { kind: 'proposal', proposal: chain.proposal(blockA), block: blockA });
    restored.clock.advance(consortium.genesis.consensus.timeoutProposeMs + consortium.genesis.consensus.timeoutPrevoteMs);
    await restored.settle();
    restored.transport.deliverMessage(chain.proposer(2, 1), { kind: 'proposal', proposal: chain.proposal(blockB, 1), block: blockB });
    await restored.settle();
    expect(restored.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    await restored.node.stop();
  });

  it('sits its first height out while the others can decide it, and signs from the next one', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const self = consortium.ids.find((id) => ![chain.proposer(2, 0), chain.proposer(3, 0)].includes(id))!;
    const others = consortium.ids.filter((id) => id !== self);
    const first = await bootNode(consortium, { self });
    await commitHeights(first, chain, 1);
    await first.node.stop();

    // A plain restart (its store is its newest, but it cannot know that): the others are at height 2.
    const restarted = await bootNode(consortium, { self, store: first.store, clock: first.clock, start: false, ...gated });
    let height = 2;
    answering(restarted, () => at(height));
    await restarted.node.start();
    await restarted.settle();
    const block2 = chain.block([kvTx('a')]);
    deliverRound(restarted, chain, block2, { voters: others, precommit: false });
    // Its prevote waits at the gate, and the routine with it: settle() would wait for good.
    await ticks();
    expect(restarted.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    expect(restarted.logs.some((line) => line.msg?.startsWith('restarted: sitting this height out') === true)).toBe(true);
    restarted.clock.advance(1_000);
    await ticks();
    expect(restarted.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);

    // The others decide it; a status with the certificate lets the waiting prevote go unsigned.
    const certificate = chain.certificate(block2, 0, others);
    for (const voter of others) restarted.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('precommit', voter, 2, 0, blockHash(block2)) });
    restarted.transport.deliverMessage(others[0]!, { kind: 'status', height: 3, round: 0, committedHeight: 2, certificate });
    await restarted.settle();
    expect(restarted.node.status().committedHeight).toBe(2);
    expect(restarted.transport.votesSent().filter((vote) => vote.height === 2)).toEqual([]);
    await chain.commit(block2, certificate);
    height = 3;
    restarted.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await restarted.settle();

    // Height 3: once the answers from height 3 are in (asked when it waits), it prevotes.
    const block3 = chain.block([kvTx('b')]);
    restarted.transport.deliverMessage(chain.proposer(3, 0), { kind: 'proposal', proposal: chain.proposal(block3), block: block3 });
    await restarted.settle();
    expect(restarted.transport.votesSent().filter((vote) => vote.height === 3).map((vote) => toHex(vote.blockHash!))).toEqual([toHex(blockHash(block3))]);
    await restarted.node.stop();
  });

  it('signs at once when every peer is restarting too (a whole network restarted)', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const self = consortium.ids.find((id) => id !== chain.proposer(2, 0))!;
    const first = await bootNode(consortium, { self });
    await commitHeights(first, chain, 1);
    await first.node.stop();
    const restarted = await bootNode(consortium, { self, store: first.store, clock: first.clock, start: false, ...gated });
    answering(restarted, () => at(2, true));
    await restarted.node.start();
    await restarted.settle();
    const block2 = chain.block([kvTx('a')]);
    restarted.transport.deliverMessage(chain.proposer(2, 0), { kind: 'proposal', proposal: chain.proposal(block2), block: block2 });
    await restarted.settle();
    expect(restarted.transport.votesSent().filter((vote) => vote.height === 2).map((vote) => vote.type)).toEqual(['prevote']);
    await restarted.node.stop();
  });

  it('answers a peer with the messages of that peer it holds, outside the routine', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const peer = consortium.ids.find((id) => id !== t.self && id !== chain.proposer(1, 0))!;
    const block1 = chain.block([kvTx('a')]);
    t.transport.deliverMessage(chain.proposer(1, 0), { kind: 'proposal', proposal: chain.proposal(block1), block: block1 });
    t.transport.deliverMessage(peer, { kind: 'vote', vote: chain.vote('prevote', peer, 1, 0, blockHash(block1)) });
    await t.settle();
    const answer = decodeOwnMessagesAnswer(await t.transport.serve(peer, encodeOwnMessagesRequest()), consortium.genesis.consensus);
    expect(answer).toMatchObject({ height: 1, committedHeight: 0, restarting: false, proposals: [] });
    expect(answer.votes.map((vote) => [vote.validator, vote.type, vote.height])).toEqual([[peer, 'prevote', 1]]);
    // The proposer's question brings back its proposal, without the block.
    const ofProposer = decodeOwnMessagesAnswer(await t.transport.serve(chain.proposer(1, 0), encodeOwnMessagesRequest()), consortium.genesis.consensus);
    expect(ofProposer.proposals.map((proposal) => toHex(proposal.blockHash))).toEqual([toHex(blockHash(block1))]);
    await t.node.stop();
  });
});
