import { describe, expect, it } from 'vitest';
import { MemoryChainStore, MemoryDbController } from '../../../src/store/index.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium, type NodeUnderTest } from './harness.js';

/**
 * Fatal means stop: a failure to replay, commit or persist halts the node with a named error,
 * and a halted node sends nothing more. start() rejects when the replay fails.
 */

/** A halted node sends nothing more, however much time passes. */
async function expectSilence(t: NodeUnderTest): Promise<void> {
  const sentAtHalt = t.transport.sent.length;
  t.clock.advance(10_000);
  await t.settle();
  expect(t.transport.sent.length).toBe(sentAtHalt);
}

function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('fatal failures stop consensus', () => {
  it('rejects start() with WalReplayError when a WAL entry cannot be read', async () => {
    const consortium = testConsortium(4);
    const t = await bootNode(consortium, { start: false });
    await t.store.appendWal(1, Uint8Array.of(0xa1, 0x61, 0x74, 0x61, 0x3f), true);
    await expect(t.node.start()).rejects.toMatchObject({ name: 'WalReplayError' });
    // Nothing was signed or sent from a node that could not restore what it signed.
    expect(t.transport.sent).toEqual([]);
  });

  it("rejects start() with LastSignedRecordError when the signer's record is damaged", async () => {
    const consortium = testConsortium(4);
    const memory = new MemoryDbController();
    const store = new MemoryChainStore({ limits: consortium.genesis.consensus }, memory);
    await store.appendSignedWal(1, Uint8Array.of(1), Uint8Array.of(0xa0));
    const t = await bootNode(consortium, { store, start: false });
    const halts: Error[] = [];
    t.node.onHalt((error) => halts.push(error));
    await expect(t.node.start()).rejects.toMatchObject({ name: 'LastSignedRecordError' });
    expect(halts.map((error) => (error as Error & { reason: string }).reason)).toEqual(['signer']);
  });


  it('halts when the application fails to execute a decided block (a full disk), and sends nothing more', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const halts: Error[] = [];
    t.node.onHalt((error) => halts.push(error));
    t.app.finalizeBlock = () => Promise.reject(diskFull());
    deliverRound(t, chain, chain.block([kvTx('a')]));
    await t.settle();
    expect(halts).toHaveLength(1);
    expect(halts[0]).toMatchObject({ name: 'ConsensusHaltedError', cause: { name: 'CommitFailedError', cause: { code: 'ENOSPC' } } });
    expect(t.node.status()).toMatchObject({ halted: true, committedHeight: 0 });
    await expectSilence(t);
  });

  it('halts when the store cannot save a decided block; a restart then decides the height again', async () => {
    const consortium = testConsortium(5);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium);
    const halts: Error[] = [];
    t.node.onHalt((error) => halts.push(error));
    const save = t.store.saveCommittedBlock.bind(t.store);
    t.store.saveCommittedBlock = () => Promise.reject(diskFull());
    const block = chain.block([kvTx('b')]);
    deliverRound(t, chain, block);
    await t.settle();
    expect(halts.map((error) => error.name)).toEqual(['ConsensusHaltedError']);
    expect((halts[0]!.cause as Error).name).toBe('CommitFailedError');
    await expectSilence(t);
    await t.node.stop();

    // The operator frees the disk and restarts: nothing half-written, the height is decided again.
    t.store.saveCommittedBlock = save;
    const restarted = await bootNode(consortium, { store: t.store });
    deliverRound(restarted, chain, block);
    await restarted.settle();
    expect(restarted.node.status().committedHeight).toBe(1);
    await restarted.node.stop();
  });

  it('halts when its own signed vote cannot be synced to the WAL, without sending the vote', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const memory = new MemoryDbController();
    const store = new MemoryChainStore({ limits: consortium.genesis.consensus }, memory);
    const batch = memory.batch.bind(memory);
    memory.batch = (operations, options) => (options.operation === 'wal_sync' ? Promise.reject(diskFull()) : batch(operations, options));
    const t = await bootNode(consortium, { store });
    const halts: Error[] = [];
    t.node.onHalt((error) => halts.push(error));
    deliverRound(t, chain, chain.block([kvTx('c')]), { precommit: false });
    await t.settle();
    expect(halts.map((error) => error.name)).toEqual(['ConsensusHaltedError']);
    expect(t.transport.votesSent()).toEqual([]);
    await expectSilence(t);
  });
});
