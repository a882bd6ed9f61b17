import { describe, expect, it } from 'vitest';
import { blockHash } from '../../../src/block.js';
import { toHex } from '../../../src/crypto/hash.js';
import { RestartSigningGate } from '../../../src/node/signer.js';
import { bootNode, commitHeights, deliverRound, kvTx, ManualClock, ReferenceChain, testConsortium } from './harness.js';

/**
 * A validator restored from an old copy of its store (a backup, a copied data directory) has an
 * old WAL and an old last-signed record: without a guard it signs again slots its key signed
 * before. signer.ts fences what the node can learn of: its own signatures seen beyond its record
 * (a peer relaying its vote, a certificate), and, after a restart, no new signature before a
 * quorum's statuses and two status periods (RestartSigningGate).
 */
describe('a node restored from an old copy of its store', () => {
  it('signs nothing at a height where a peer shows it its own signature beyond its record, and signs again after it', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    // A member that proposes none of the rounds below: what it signs is votes only.
    const self = consortium.ids.find((id) => ![chain.proposer(1, 0), chain.proposer(2, 0), chain.proposer(2, 1), chain.proposer(3, 0)].includes(id))!;
    const first = await bootNode(consortium, { self });
    await commitHeights(first, chain, 1);
    // The copy an operator will restore: height 1, its record at height 1.
    const copy = first.store.crashCopy({ loseUnsyncedWal: false });

    // Height 2: the node prevotes block A, then its process dies.
    const blockA = chain.block([kvTx('a')]);
    first.transport.deliverMessage(chain.proposer(2, 0), { kind: 'proposal', proposal: chain.proposal(blockA), block: blockA });
    await first.settle();
    const prevoteA = first.transport.votesSent().find((vote) => vote.height === 2 && vote.type === 'prevote');
    expect(prevoteA && toHex(prevoteA.blockHash!)).toBe(toHex(blockHash(blockA)));
    await first.node.stop();

    // Restored from the copy (the restart gate is off here: this test is about the fence).
    const restored = await bootNode(consortium, { self, store: copy, clock: first.clock });
    expect(restored.node.status().height).toBe(2);
    // A peer relays the prevote the node signed before the restore: its store is stale.
    const peer = consortium.ids.find((id) => id !== self)!;
    restored.transport.deliverMessage(peer, { kind: 'vote', vote: prevoteA! });
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
  const [self, a, b, c] = consortium.ids as [string, string, string, string];

  it('opens once a quorum said it has not committed the height, and two status periods passed', async () => {
    const clock = new ManualClock();
    const gate = new RestartSigningGate(consortium.validators, self, clock, 1_000, 5_000);
    gate.started();
    let outcome: string | null = null;
    void gate.passage(5, () => 0).then((result) => (outcome = result));
    gate.heard(a, 4);
    gate.heard(b, 4);
    await Promise.resolve();
    // A quorum says so (with this node), but two status periods have not passed.
    expect(outcome).toBeNull();
    // Members ahead (they committed 5) do not count: no quorum when the periods end.
    gate.heard(b, 5);
    gate.heard(c, 5);
    clock.advance(1_000);
    await Promise.resolve();
    expect(outcome).toBeNull();
    gate.heard(b, 4);
    await Promise.resolve();
    expect(outcome).toBe('open');
    // Open until the next restart.
    expect(await gate.passage(9, () => 0)).toBe('open');
  });

  it('gives up, without signing, once a certificate shows the height decided or the node stops', async () => {
    const clock = new ManualClock();
    const gate = new RestartSigningGate(consortium.validators, self, clock, 1_000, 5_000);
    gate.started();
    let decided = 0;
    const waiting = gate.passage(5, () => decided);
    clock.advance(1_000);
    decided = 5;
    gate.heard(a, 5);
    expect(await waiting).toBe('skip');
    const stopped = gate.passage(6, () => decided);
    gate.close();
    expect(await stopped).toBe('skip');
  });

  it('opens after its longest wait without a quorum (members restarted together wait for each other)', async () => {
    const clock = new ManualClock();
    const gate = new RestartSigningGate(consortium.validators, self, clock, 1_000, 5_000);
    gate.started();
    let outcome: string | null = null;
    void gate.passage(5, () => 0).then((result) => (outcome = result));
    gate.heard(a, 4);
    clock.advance(4_999);
    await Promise.resolve();
    expect(outcome).toBeNull();
    clock.advance(1);
    await Promise.resolve();
    expect(outcome).toBe('open');
  });

  it('lets a member that is a quorum alone sign at once', async () => {
    const solo = testConsortium(1);
    const gate = new RestartSigningGate(solo.validators, solo.ids[0]!, new ManualClock(), 1_000, 5_000);
    gate.started();
    expect(await gate.passage(3, () => 0)).toBe('open');
  });
});
