import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTxResult } from '../../../src/application.js';
import { txHash } from '../../../src/block.js';
import { toHex } from '../../../src/crypto/hash.js';
import { KeyValueApplication } from '../../../src/kv-app.js';
import { Mempool } from '../../../src/mempool/index.js';
import { decodeCanonical } from '../../../src/encoding/canonical.js';
import { encodeTxBatch } from '../../../src/node/wire.js';
import { MemoryChainStore } from '../../../src/store/index.js';
import { bootNode, commitHeights, deliverRound, kvTx, ManualClock, ReferenceChain, ScriptedTransport, testConsortium, type NodeUnderTest } from './harness.js';

/**
 * A client's transaction, once acknowledged, survives its node's crash (the store keeps it
 * until its block commits, and a restart admits it again), and reaches a member that was not
 * connected when it was gossiped.
 */

let telemetry: Telemetry | null = null;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = null;
});

function withMetrics() {
  telemetry = setupTelemetry({ serviceName: 'consensus-test', memberId: 'm0', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
  return { consensus: telemetry.metrics.consensus, security: telemetry.metrics.security };
}

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await telemetry!.registry.getSingleMetric(name)!.get();
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((total, value) => total + value.value, 0);
}

/** The transactions of the tx-channel frames sent since index `since`, by recipient (null: a broadcast). */
function txFrames(t: NodeUnderTest, since = 0): { readonly to: string | null; readonly txs: Uint8Array[] }[] {
  return t.transport.sent
    .slice(since)
    .filter((frame) => frame.channel === 'tx')
    .map((frame) => ({ to: frame.to, txs: (decodeCanonical(frame.payload, 8 * 1024 * 1024) as { t: Uint8Array[] }).t }));
}

/** The tx frames sent to one member (not broadcast: round 0's regossip broadcasts what the pool holds). */
const txFramesTo = (t: NodeUnderTest, since: number) => txFrames(t, since).filter((frame) => frame.to !== null);

/** A store whose pending-transaction writes fail while `failing` is set, as on a full disk. */
class FailingPendingWrites extends MemoryChainStore {
  failing = true;

  override savePendingTxs(txs: readonly Uint8Array[], sync: boolean): Promise<void> {
    if (this.failing) return Promise.reject(new Error('ENOSPC: no space left on device'));
    return super.savePendingTxs(txs, sync);
  }
}

describe('an acknowledged transaction', () => {
  it('is re-admitted, gossiped and committed by the node restarted after a crash that came before its gossip', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    // m0 proposes height 4: the scripted peers' blocks never carry the client's transaction.
    const first = await bootNode(consortium, { self: 'm0' });
    const tx = kvTx('acknowledged-then-killed');
    expect(await first.node.submitTx(tx)).toMatchObject({ accepted: true });
    // kill -9 within the gossip delay (5 ms): no frame ever left, and a power loss keeps only what was synced.
    expect(txFrames(first)).toEqual([]);
    const survivor = first.store.crashCopy({ loseUnsyncedWal: true });

    const second = await bootNode(consortium, { self: 'm0', store: survivor, options: { metrics: withMetrics() } });
    expect(second.mempool.has(txHash(tx))).toBe(true);
    expect(second.logs.some((line) => line.msg === 're-admitted 1 acknowledged transactions the store kept')).toBe(true);
    expect(await counter('consortium_consensus_pending_txs_readmitted_total')).toBe(1);
    second.clock.advance(5);
    await second.settle();
    expect(txFrames(second)).toEqual([{ to: null, txs: [tx] }]);

    await commitHeights(second, chain, 4);
    expect(second.node.status().committedHeight).toBe(4);
    expect(await second.store.findTx(txHash(tx))).toEqual({ height: 4, index: 0 });
    // Committed: no longer pending, so the next restart has nothing to admit again.
    expect(await second.store.listPendingTxs(10, 1_000_000)).toEqual([]);
    await second.node.stop();
  });

  it('is tried again at the next status ticks when the mempool was full at the restart', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const first = await bootNode(consortium, { self: 'm0' });
    const mine = [kvTx('kept-1'), kvTx('kept-2')];
    for (const tx of mine) expect(await first.node.submitTx(tx)).toMatchObject({ accepted: true });
    const store = first.store.crashCopy({ loseUnsyncedWal: true });

    // The restarted node's pool holds three; a peer's gossip fills two places before it starts.
    const { txMaxBytes } = consortium.genesis.consensus;
    const app = new KeyValueApplication();
    const mempool = new Mempool({ maxTxs: 3, maxBytes: 1024 * 1024, txMaxBytes, peerMaxTxs: 3, recheck: false }, { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => Date.now() });
    const second = await bootNode(consortium, { self: 'm0', store, app, start: false, options: { mempool } });
    const theirs = [kvTx('from-m1-1'), kvTx('from-m1-2')];
    second.transport.deliver('m1', 'tx', encodeTxBatch(theirs));
    await second.settle();
    expect(mempool.size).toBe(2);
    await second.node.start();
    await second.settle();
    expect(mine.filter((tx) => mempool.has(txHash(tx)))).toHaveLength(1);

    // A block commits the peer's transactions: room again, and the next tick admits the other.
    const block = chain.block(theirs);
    deliverRound(second, chain, block);
    await second.settle();
    second.clock.advance(500);
    await second.settle();
    expect(mine.filter((tx) => mempool.has(txHash(tx)))).toHaveLength(2);
    await second.node.stop();
  });

  // Seed 504, 4 members, every fault class: a node restarted with more than its mempool holds
  // kept in the store read the first 2 MiB; the rest waited for a restart that never came, and
  // two acknowledged transactions were never committed.
  it('is re-admitted a page at a time when the store keeps more than the mempool holds at the restart', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const first = await bootNode(consortium, { self: 'm0' });
    const mine = Array.from({ length: 7 }, (_, i) => kvTx(`kept-${i}`));
    for (const tx of mine) expect(await first.node.submitTx(tx)).toMatchObject({ accepted: true });
    const store = first.store.crashCopy({ loseUnsyncedWal: false });

    // The restarted node's pool holds three: the first page.
    const { txMaxBytes } = consortium.genesis.consensus;
    const app = new KeyValueApplication();
    const mempool = new Mempool({ maxTxs: 3, maxBytes: 1024 * 1024, txMaxBytes, peerMaxTxs: 3, recheck: false }, { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => Date.now() });
    const second = await bootNode(consortium, { self: 'm0', store, app, options: { mempool } });
    expect(mine.filter((tx) => mempool.has(txHash(tx)))).toHaveLength(3);

    // Its own proposals commit what its pool holds; each status tick after reads the next page.
    const committed = async () => (await Promise.all(mine.map(async (tx) => (await store.findTx(txHash(tx))) !== null))).filter(Boolean).length;
    for (let height = 1; height <= 24 && (await committed()) < mine.length; height++) {
      await commitHeights(second, chain, 1);
      second.clock.advance(500);
      await second.settle();
    }
    expect(await committed()).toBe(mine.length);
    expect(await store.listPendingTxs(10, 1_000_000)).toEqual([]);
    await second.node.stop();
  });

  it('is forgotten at a restart when a block committed it meanwhile', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const first = await bootNode(consortium, { self: 'm0' });
    const tx = kvTx('committed-by-a-peer');
    expect(await first.node.submitTx(tx)).toMatchObject({ accepted: true });
    const block = chain.block([tx]);
    deliverRound(first, chain, block);
    await first.settle();
    await chain.commit(block, chain.certificate(block));
    expect(await first.store.findTx(txHash(tx))).not.toBeNull();
    // As if the commit had raced the acknowledgement's write: the store still holds it as pending.
    await first.store.savePendingTxs([tx], true);
    await first.node.stop();

    const second = await bootNode(consortium, { self: 'm0', store: first.store.crashCopy({ loseUnsyncedWal: false }) });
    expect(second.mempool.has(txHash(tx))).toBe(false);
    expect(await second.store.listPendingTxs(10, 1_000_000)).toEqual([]);
    await second.node.stop();
  });

  it('is only given once the store holds it: a failed write refuses the client (unavailable), counts it, and keeps nothing', async () => {
    const consortium = testConsortium(4);
    const { blockMaxBytes, blockMaxTxs, txMaxBytes } = consortium.genesis.consensus;
    const store = new FailingPendingWrites({ limits: { blockMaxBytes, blockMaxTxs, txMaxBytes } });
    const t = await bootNode(consortium, { store, options: { metrics: withMetrics() } });
    const tx = kvTx('disk-full');
    const outcome = await t.node.submitTx(tx);
    expect(outcome).toMatchObject({ accepted: false, reason: 'unavailable' });
    expect(t.mempool.size).toBe(0);
    expect(await counter('consortium_consensus_mempool_rejected_txs_total', { reason: 'unavailable' })).toBe(1);
    t.clock.advance(5);
    await t.settle();
    expect(txFrames(t)).toEqual([]);

    // The client retries once the disk has room: accepted as new, not as a duplicate.
    store.failing = false;
    expect(await t.node.submitTx(tx)).toMatchObject({ accepted: true });
    expect(await store.listPendingTxs(10, 1_000_000)).toEqual([tx]);
    await t.node.stop();
  });
});

/** The key-value application, except that the transactions in `refusedOnRecheck` fail the recheck after a block. */
class RecheckRefusingApp extends KeyValueApplication {
  readonly refusedOnRecheck = new Set<string>();

  /** The mempool says which check it is (Application.checkTx); the key-value application's own ignores it. */
  override checkTx(tx: Uint8Array, ...[mode]: [] | ['new' | 'recheck']): Promise<CheckTxResult> {
    if (mode === 'recheck' && this.refusedOnRecheck.has(toHex(txHash(tx)))) return Promise.resolve({ ok: false, code: 'stale', log: 'refused by the test' });
    return super.checkTx(tx);
  }
}

describe('a transaction the recheck after a block drops', () => {
  it('is deleted from the store: no block will commit it, and a restart need not try it again', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const { blockMaxBytes, blockMaxTxs, txMaxBytes } = consortium.genesis.consensus;
    const store = new MemoryChainStore({ limits: { blockMaxBytes, blockMaxTxs, txMaxBytes } });
    const app = new RecheckRefusingApp();
    const mempool = new Mempool({ maxTxs: 100, maxBytes: 1024 * 1024, txMaxBytes, recheck: true }, { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => Date.now() });
    const t = await bootNode(consortium, { store, app, options: { mempool } });
    const [stale, kept] = [kvTx('stale-after-a-block'), kvTx('still-valid')];
    for (const tx of [stale, kept]) expect(await t.node.submitTx(tx)).toMatchObject({ accepted: true });
    expect(await store.listPendingTxs(10, 1_000_000)).toHaveLength(2);
    app.refusedOnRecheck.add(toHex(txHash(stale)));
    await commitHeights(t, chain, 1);
    await t.settle();
    expect(mempool.has(txHash(stale))).toBe(false);
    expect(await store.listPendingTxs(10, 1_000_000)).toEqual([kept]);
    await t.node.stop();
  });
});

describe("a member that connects after a transaction's gossip went out", () => {
  it('gets the transactions of the node\'s clients at the next status tick, once, and not those peers gossiped', async () => {
    const consortium = testConsortium(4);
    const clock = new ManualClock();
    // m3 is not connected when the node starts.
    const transport = new ScriptedTransport(clock, ['m1', 'm2']);
    const t = await bootNode(consortium, { clock, transport, options: { metrics: withMetrics() } });
    const mine = [kvTx('mine-1'), kvTx('mine-2')];
    for (const tx of mine) expect(await t.node.submitTx(tx)).toMatchObject({ accepted: true });
    const theirs = kvTx('gossiped-by-m1');
    transport.deliver('m1', 'tx', encodeTxBatch([theirs]));
    await t.settle();
    expect(t.mempool.has(txHash(theirs))).toBe(true);
    t.clock.advance(5);
    await t.settle();
    expect(txFrames(t)).toEqual([{ to: null, txs: mine }]);

    let sent = t.transport.sent.length;
    transport.connected = ['m1', 'm2', 'm3'];
    t.clock.advance(500);
    await t.settle();
    expect(txFramesTo(t, sent)).toEqual([{ to: 'm3', txs: mine }]);
    expect(await counter('consortium_consensus_pending_txs_resent_total')).toBe(2);

    // Still connected at the next tick: nothing more.
    sent = t.transport.sent.length;
    t.clock.advance(500);
    await t.settle();
    expect(txFramesTo(t, sent)).toEqual([]);

    // Gone for a tick and back: sent again.
    transport.connected = ['m1', 'm2'];
    t.clock.advance(500);
    await t.settle();
    transport.connected = ['m1', 'm2', 'm3'];
    t.clock.advance(500);
    await t.settle();
    expect(txFramesTo(t, sent)).toEqual([{ to: 'm3', txs: mine }]);
    await t.node.stop();
  });
});
