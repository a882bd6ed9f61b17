import { describe, expect, it } from 'vitest';
import { encodeBlocksResponse, decodeBlocksRequest } from '../../../src/node/wire.js';
import type { CommitCertificate, Block } from '../../../src/types.js';
import type { MemberId } from '../../../src/genesis/types.js';
import { blockHash } from '../../../src/block.js';
import { forgedCertificates, type CertificateForgery } from './certificate-forgeries.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium, type NodeUnderTest } from './harness.js';

/**
 * Status messages are unsigned claims. A node syncs only towards claims backed by a commit
 * certificate, forgets claims that fail, reports peers that answer a backed claim with nothing
 * (never one that merely timed out: an honest peer that crashed or lost the frame does that),
 * rotates between peers, and keeps taking part in consensus while it syncs.
 */

type Built = { block: Block; certificate: CommitCertificate };

function serveFrom(blocks: readonly Built[]) {
  return (payload: Uint8Array) => {
    const request = decodeBlocksRequest(payload);
    const served = blocks.filter(({ block }) => block.header.height >= request.fromHeight).slice(0, request.maxCount);
    return Promise.resolve(encodeBlocksResponse(served));
  };
}

function claim(t: NodeUnderTest, from: MemberId, committed: Built | null, committedHeight = committed?.block.header.height ?? 0): void {
  t.transport.deliverMessage(from, {
    kind: 'status',
    height: committedHeight + 1,
    round: 0,
    committedHeight,
    ...(committed === null ? {} : { certificate: committed.certificate }),
  });
}

describe('block sync', () => {
  it('ignores a height claimed without a certificate and keeps deciding with the others', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    claim(t, 'm3', null, 1_000); // a liar that never answers (the transport's default)
    await t.settle();
    deliverRound(t, chain, chain.block([kvTx('a')]), { voters: ['m1', 'm2', 'm3'] });
    await t.settle();
    expect(t.node.status().committedHeight).toBe(1);
    expect(t.transport.requests).toEqual([]);
    expect(t.node.status().highestPeerCommittedHeight).toBe(0);
    await t.node.stop();
  });

  it('keeps processing votes and proposals while a sync request hangs', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(2);
    const t = await bootNode(consortium);
    claim(t, 'm3', built[1]!); // backed: the certificate of height 2 is real; m3 then never answers
    await t.settle();
    expect(t.transport.requests.map((r) => r.to)).toEqual(['m3']);
    // While that request hangs, height 1 is decided by consensus.
    const replay = new ReferenceChain(consortium);
    deliverRound(t, replay, built[0]!.block);
    await t.settle();
    expect(t.node.status().committedHeight).toBe(1);
    await t.node.stop();
  });

  it('forgets the claim of a peer that does not answer, syncs from another, and does not report a timeout', async () => {
    const consortium = testConsortium(5);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(5);
    const t = await bootNode(consortium);
    let first: MemberId | null = null;
    t.transport.respond = (to, payload) => {
      first ??= to;
      return to === first ? new Promise(() => {}) : serveFrom(built)(payload);
    };
    claim(t, 'm3', built[4]!);
    claim(t, 'm4', built[4]!);
    await t.settle();
    t.clock.advance(1_000); // the request timeout
    await t.settle();
    expect(t.transport.invalid).toEqual([]);
    expect(t.node.status().committedHeight).toBe(5);
    expect(new Set(t.transport.requests.map((r) => r.to)).size).toBe(2);
    await t.node.stop();
  });

  it('asks a peer that keeps timing out last, for longer after each failure in a row', async () => {
    const consortium = testConsortium(5);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(3);
    const t = await bootNode(consortium);
    t.transport.respond = (to, payload) => (to === 'm3' ? new Promise(() => {}) : serveFrom(built)(payload));
    // m3 alone claims, and times out, twice in a row: asked last for 5, then 10 request timeouts.
    for (let attempt = 0; attempt < 2; attempt++) {
      claim(t, 'm3', built[2]!);
      await t.settle();
      t.clock.advance(1_000);
      await t.settle();
    }
    expect(t.transport.requests.map((r) => r.to)).toEqual(['m3', 'm3']);
    // Seven timeouts later one failure's cooldown would be over (and the rotation would pick m3).
    t.clock.advance(6_000);
    claim(t, 'm3', built[0]!);
    claim(t, 'm4', built[0]!);
    await t.settle();
    t.clock.advance(1_000); // one height behind: sync starts after syncLagGraceMs
    await t.settle();
    expect(t.transport.requests.map((r) => r.to)).toEqual(['m3', 'm3', 'm4']);
    expect(t.node.status().committedHeight).toBe(3) // m4 serves every block it holds;
    expect(t.transport.invalid).toEqual([]);
    await t.node.stop();
  });

  it('moves on, without halting, when consensus decides a height block sync stored meanwhile', async () => {
    // Found by the simulator (seed 260, 4 members): block sync stored height 4, then the last
    // precommit of height 4 arrived before sync let consensus join at the new head; the decision
    // asked the store for height 4 again, the store refused it, and the node halted.
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(2);
    const t = await bootNode(consortium);
    const halts: Error[] = [];
    t.node.onHalt((error) => halts.push(error));
    const first = built[0]!.block;
    const hash = blockHash(first);
    // Height 1 by consensus: the proposal and every prevote, and one precommit besides the node's own.
    deliverRound(t, new ReferenceChain(consortium), first, { precommit: false });
    t.transport.deliverMessage('m1', { kind: 'vote', vote: chain.vote('precommit', 'm1', 1, 0, hash) });
    await t.settle();
    expect(t.node.status().committedHeight).toBe(0);
    // The third precommit arrives while block sync is storing height 1.
    const save = t.store.saveCommittedBlock.bind(t.store);
    t.store.saveCommittedBlock = async (committed) => {
      await save(committed);
      if (committed.block.header.height === 1) t.transport.deliverMessage('m2', { kind: 'vote', vote: chain.vote('precommit', 'm2', 1, 0, hash) });
    };
    t.transport.respond = (_to, payload) => serveFrom([built[0]!])(payload);
    claim(t, 'm3', built[1]!);
    await t.settle();
    t.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
    await t.settle();
    expect(halts).toEqual([]);
    expect(t.node.status()).toMatchObject({ halted: false, committedHeight: 1, height: 2 });
    expect(t.logs.some((line) => line.msg === 'decided a height block sync had stored already')).toBe(true);
    await t.node.stop();
  });

  it('joins consensus at the height it reached when a later response is malformed', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(20);
    const t = await bootNode(consortium);
    let calls = 0;
    t.transport.respond = (_to, payload) => (++calls === 1 ? serveFrom(built)(payload) : Promise.resolve(Uint8Array.of(0xff, 0x00)));
    claim(t, 'm3', built[19]!);
    await t.settle();
    const status = t.node.status();
    expect(status.committedHeight).toBeGreaterThan(0);
    expect(status.committedHeight).toBeLessThan(20);
    expect(status.height).toBe(status.committedHeight + 1);
    expect(t.transport.invalid).toContainEqual({ from: 'm3', kind: 'malformed' });
    await t.node.stop();
  });

  it('forgets a claim whose peer answers with nothing', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(3);
    const t = await bootNode(consortium);
    t.transport.respond = (to, payload) => (to === 'm2' ? Promise.resolve(encodeBlocksResponse([])) : serveFrom(built)(payload));
    claim(t, 'm2', built[2]!);
    await t.settle();
    expect(t.transport.invalid).toContainEqual({ from: 'm2', kind: 'unresponsive' });
    expect(t.node.status().committedHeight).toBe(0);
    claim(t, 'm3', built[2]!);
    await t.settle();
    expect(t.node.status().committedHeight).toBe(3);
    expect(t.transport.requests.filter((r) => r.to === 'm2')).toHaveLength(1);
    await t.node.stop();
  });

  const forgeries: readonly CertificateForgery[] = ['tooFewSigners', 'signerTwice', 'unknownSigner', 'badSignature', 'prevotesForPrecommits', 'anotherHeight', 'anotherBlock'];
  it.each(forgeries)('refuses a synced block whose certificate has %s, reports the peer, and syncs from an honest one', async (forgery) => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const built = await chain.extend(3);
    const [first, second] = [built[0]!, built[1]!];
    // m1 holds the real chain (its status claim carries height 3's genuine certificate) but
    // serves height 1 with a forged certificate; m2 serves the real blocks.
    const lies = built.map((entry, index) => (index === 0 ? { ...entry, certificate: forgedCertificates(chain, first, second)[forgery] } : entry));
    const t = await bootNode(consortium);
    t.transport.respond = (to, payload) => serveFrom(to === 'm1' ? lies : built)(payload);
    claim(t, 'm1', built[2]!);
    claim(t, 'm2', built[2]!);
    await t.settle();
    // m1 is asked first (rotation in member order), refused, reported for a bad signature and
    // a bad block (the transport's score disconnects it), then m2 serves every height.
    expect(t.transport.requests.map((r) => r.to)).toEqual(['m1', 'm2']);
    expect(t.transport.invalid).toEqual([
      { from: 'm1', kind: 'bad_signature' },
      { from: 'm1', kind: 'malformed' },
    ]);
    expect(t.logs.some((line) => line.msg === 'block sync: invalid block' && line.fields.peer === 'm1' && line.fields.height === 1)).toBe(true);
    expect(t.node.status().committedHeight).toBe(3);
    // The stored height 1 carries the genuine certificate, not the forged one.
    expect((await t.store.getCommittedBlock(1))?.certificate).toEqual(first.certificate);
    await t.node.stop();
  });
});
