import { describe, expect, it } from 'vitest';
import { txHash } from '../../src/block.js';
import { toHex } from '../../src/crypto/hash.js';
import { Mempool, MempoolArgumentError, MempoolUpdateOrderError, type MempoolOptions } from '../../src/mempool/index.js';
import { asText, FakeCheckTxApp, FakeCommittedIndex, recordingMempoolMetrics, text } from './mempool-fakes.js';

function setup(options: Partial<MempoolOptions> = {}) {
  const app = new FakeCheckTxApp();
  const index = new FakeCommittedIndex();
  const { metrics, recorded } = recordingMempoolMetrics();
  let nowMs = 1_000;
  const mempool = new Mempool(
    { maxTxs: 10, maxBytes: 1_000, txMaxBytes: 100, ...options },
    { app, isCommitted: (hash) => index.isCommitted(hash), metrics, nowMs: () => nowMs },
  );
  return {
    app,
    index,
    recorded,
    mempool,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

const contents = (mempool: Mempool) => mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map(asText);

describe('Mempool admission', () => {
  it('accepts a valid tx, answers its sha256, and remembers when it was admitted', async () => {
    const { mempool, recorded, advance } = setup();
    advance(500);
    const result = await mempool.add(text('hello'));
    expect(result).toEqual({ accepted: true, hash: txHash(text('hello')) });
    expect(mempool.has(txHash(text('hello')))).toBe(true);
    expect(mempool.admittedAtMs(txHash(text('hello')))).toBe(1_500);
    expect(mempool.admittedAtMs(txHash(text('other')))).toBeUndefined();
    expect([mempool.size, mempool.bytes]).toEqual([1, 5]);
    expect([recorded.txs, recorded.bytes]).toEqual([1, 5]);
  });

  it('refuses an oversized tx before hashing, checking or asking the store', async () => {
    const { mempool, app, index, recorded } = setup({ txMaxBytes: 8 });
    expect(await mempool.add(new Uint8Array(9))).toMatchObject({ accepted: false, reason: 'oversized' });
    expect(app.calls).toEqual([]);
    expect(index.lookups).toBe(0);
    expect((await mempool.add(new Uint8Array(8).fill(1))).accepted).toBe(true);
    expect(recorded.rejected).toEqual({ oversized: 1 });
  });

  it('refuses an empty tx as invalid: no block may carry one', async () => {
    const { mempool, app } = setup();
    expect(await mempool.add(new Uint8Array(0))).toMatchObject({ accepted: false, reason: 'invalid' });
    expect(app.calls).toEqual([]);
  });

  it('refuses what the application refuses, with its log', async () => {
    const { mempool, app, recorded } = setup();
    app.invalid.add('bad');
    expect(await mempool.add(text('bad'))).toEqual({ accepted: false, reason: 'invalid', log: 'bad refused by the test app' });
    expect(app.calls).toEqual([{ tx: 'bad', mode: 'new' }]);
    expect(mempool.size).toBe(0);
    expect(recorded.rejected).toEqual({ invalid: 1 });
  });

  it('refuses a duplicate', async () => {
    const { mempool, app } = setup();
    await mempool.add(text('once'));
    expect(await mempool.add(text('once'))).toMatchObject({ accepted: false, reason: 'duplicate' });
    expect(app.calls).toHaveLength(1);
    expect(mempool.size).toBe(1);
  });

  it('lets exactly one of two racing adds of one tx win while the first is still being checked', async () => {
    const { mempool, app, recorded } = setup();
    app.hold();
    const first = mempool.add(text('racer'));
    const second = mempool.add(text('racer'));
    expect(await second).toMatchObject({ accepted: false, reason: 'duplicate' });
    app.release();
    expect((await first).accepted).toBe(true);
    expect(app.calls).toHaveLength(1);
    expect(mempool.size).toBe(1);
    expect(recorded.rejected).toEqual({ duplicate: 1 });
  });

  it('refuses with "full" at the count limit and never evicts', async () => {
    const { mempool } = setup({ maxTxs: 2 });
    await mempool.add(text('a'));
    await mempool.add(text('b'));
    expect(await mempool.add(text('c'))).toMatchObject({ accepted: false, reason: 'full' });
    expect(contents(mempool)).toEqual(['a', 'b']);
  });

  it('refuses with "full" at the byte limit', async () => {
    const { mempool } = setup({ maxBytes: 10, txMaxBytes: 10 });
    await mempool.add(text('123456'));
    expect(await mempool.add(text('12345'))).toMatchObject({ accepted: false, reason: 'full' });
    expect((await mempool.add(text('1234'))).accepted).toBe(true);
    expect(mempool.bytes).toBe(10);
  });

  it('counts adds still being checked against the limits', async () => {
    const { mempool, app } = setup({ maxTxs: 1 });
    app.hold();
    const first = mempool.add(text('first'));
    expect(await mempool.add(text('second'))).toMatchObject({ accepted: false, reason: 'full' });
    app.release();
    expect((await first).accepted).toBe(true);
  });

  it('frees the place of an add that the application refused or that failed', async () => {
    const { mempool, app, index } = setup({ maxTxs: 1 });
    app.invalid.add('bad');
    await mempool.add(text('bad'));
    index.isCommitted = () => Promise.reject(new Error('store closed'));
    await expect(mempool.add(text('unlucky'))).rejects.toThrow('store closed');
    index.isCommitted = () => Promise.resolve(false);
    expect((await mempool.add(text('unlucky'))).accepted).toBe(true);
  });

  it('keeps its own copy of the tx bytes', async () => {
    const { mempool } = setup();
    const tx = text('mutable');
    await mempool.add(tx);
    tx.fill(0x21);
    expect(contents(mempool)).toEqual(['mutable']);
    expect(mempool.has(txHash(text('mutable')))).toBe(true);
  });

  it('never runs two checkTx calls at once, and admits in arrival order', async () => {
    const { mempool, app } = setup({ maxTxs: 100, maxBytes: 10_000 });
    app.hold();
    const labels = Array.from({ length: 20 }, (_, i) => `tx-${i}`);
    const adds = labels.map((label) => mempool.add(text(label)));
    const update = mempool.update(1, []);
    await new Promise((resolve) => setImmediate(resolve));
    app.release();
    await Promise.all([...adds, update]);
    expect(app.maxConcurrentCalls).toBe(1);
    expect(contents(mempool)).toEqual(labels);
  });

  it('holds at most a quota of transactions and bytes per gossiping peer', async () => {
    const { mempool, recorded } = setup({ maxTxs: 10, maxBytes: 1_000, peerMaxTxs: 3, peerMaxBytes: 40 });
    for (const tx of ['b1', 'b2', 'b3']) expect((await mempool.add(text(tx), { from: 'B' })).accepted).toBe(true);
    expect(await mempool.add(text('b4'), { from: 'B' })).toMatchObject({ accepted: false, reason: 'peer_quota' });
    // Others, and the node's own clients, are not held back by B's share.
    expect((await mempool.add(text('c1'), { from: 'C' })).accepted).toBe(true);
    expect((await mempool.add(text('local'))).accepted).toBe(true);
    expect(await mempool.add(text('c-big-'.padEnd(41, 'x')), { from: 'C' })).toMatchObject({ accepted: false, reason: 'peer_quota' });
    // A block frees B's share.
    await mempool.update(1, [text('b1')]);
    expect((await mempool.add(text('b4'), { from: 'B' })).accepted).toBe(true);
    expect(recorded.rejected).toEqual({ peer_quota: 2 });
  });

  it('refuses bad options', () => {
    const app = new FakeCheckTxApp();
    const deps = { app, isCommitted: () => Promise.resolve(false), metrics: null, nowMs: () => 0 };
    expect(() => new Mempool({ maxTxs: 0, maxBytes: 10, txMaxBytes: 1 }, deps)).toThrow(MempoolArgumentError);
    expect(() => new Mempool({ maxTxs: 1, maxBytes: 10, txMaxBytes: 11 }, deps)).toThrow(MempoolArgumentError);
    expect(() => new Mempool({ maxTxs: 1, maxBytes: 10, txMaxBytes: 1, rememberedCommittedTxs: 0 }, deps)).toThrow(MempoolArgumentError);
  });
});

describe('Mempool replay protection', () => {
  it('refuses a tx the store holds as committed', async () => {
    const { mempool, index, app, recorded } = setup();
    index.committed.add(toHex(txHash(text('old'))));
    expect(await mempool.add(text('old'))).toMatchObject({ accepted: false, reason: 'committed' });
    expect(app.calls).toEqual([]);
    expect(recorded.rejected).toEqual({ committed: 1 });
  });

  it('refuses a tx committed by a block it saw, without asking the store', async () => {
    const { mempool, index } = setup();
    await mempool.add(text('t'));
    await mempool.update(1, [text('t')]);
    const lookups = index.lookups;
    expect(await mempool.add(text('t'))).toMatchObject({ accepted: false, reason: 'committed' });
    expect(index.lookups).toBe(lookups);
  });

  it('refuses a tx committed while it was being checked', async () => {
    const { mempool, app } = setup();
    app.hold();
    const adding = mempool.add(text('late'));
    const updating = mempool.update(1, [text('late')]);
    app.release();
    expect(await adding).toMatchObject({ accepted: false, reason: 'committed' });
    await updating;
    expect(mempool.size).toBe(0);
  });

  it('remembers only the newest committed hashes and asks the store about older ones', async () => {
    const { mempool, index } = setup({ rememberedCommittedTxs: 2 });
    await mempool.update(1, [text('a'), text('b'), text('c')]);
    for (const label of ['a', 'b', 'c']) index.committed.add(toHex(txHash(text(label))));
    const before = index.lookups;
    expect(await mempool.add(text('c'))).toMatchObject({ reason: 'committed' });
    expect(index.lookups).toBe(before);
    expect(await mempool.add(text('a'))).toMatchObject({ reason: 'committed' });
    expect(index.lookups).toBe(before + 1);
  });
});

describe('Mempool.update', () => {
  it('removes committed txs and rechecks the rest in arrival order, dropping those now refused', async () => {
    const { mempool, app, recorded } = setup();
    for (const label of ['a', 'b', 'c', 'd']) await mempool.add(text(label));
    app.invalid.add('c');
    app.calls.length = 0;
    await mempool.update(1, [text('b'), text('not in the pool')]);
    expect(app.calls).toEqual([
      { tx: 'a', mode: 'recheck' },
      { tx: 'c', mode: 'recheck' },
      { tx: 'd', mode: 'recheck' },
    ]);
    expect(contents(mempool)).toEqual(['a', 'd']);
    expect([mempool.size, mempool.bytes, recorded.txs, recorded.bytes]).toEqual([2, 2, 2, 2]);
  });

  it('removes committed txs at once, before the recheck has run', async () => {
    const { mempool, app } = setup();
    await mempool.add(text('a'));
    await mempool.add(text('b'));
    app.hold();
    const updating = mempool.update(1, [text('a')]);
    expect(contents(mempool)).toEqual(['b']);
    app.release();
    await updating;
  });

  it('refuses heights that do not increase', async () => {
    const { mempool } = setup();
    await mempool.update(3, []);
    await expect(mempool.update(3, [])).rejects.toBeInstanceOf(MempoolUpdateOrderError);
    await expect(mempool.update(2, [])).rejects.toMatchObject({ lastHeight: 3, height: 2 });
    await mempool.update(4, []);
  });
});

describe("this node's clients' transactions", () => {
  it('lists the local ones in arrival order, without those gossiped by peers, within a count', async () => {
    const { mempool, recorded } = setup();
    await mempool.add(text('mine-1'));
    await mempool.add(text('theirs'), { from: 'B' });
    await mempool.add(text('mine-2'));
    expect(mempool.localTxs(10).map(asText)).toEqual(['mine-1', 'mine-2']);
    expect(mempool.localTxs(1).map(asText)).toEqual(['mine-1']);
    expect(recorded.localTxs).toBe(2);
    await mempool.update(1, [text('mine-1')]);
    expect(mempool.localTxs(10).map(asText)).toEqual(['mine-2']);
    expect(recorded.localTxs).toBe(1);
  });

  it("withdraws a client's transaction, and only a client's", async () => {
    const { mempool, recorded } = setup();
    await mempool.add(text('mine'));
    await mempool.add(text('theirs'), { from: 'B' });
    expect(mempool.withdraw(txHash(text('theirs')))).toBe(false);
    expect(mempool.withdraw(txHash(text('mine')))).toBe(true);
    expect(mempool.withdraw(txHash(text('mine')))).toBe(false);
    expect(contents(mempool)).toEqual(['theirs']);
    expect([recorded.txs, recorded.localTxs]).toEqual([1, 0]);
    // Taken back: the client may submit it again.
    expect(await mempool.add(text('mine'))).toMatchObject({ accepted: true });
  });

  it("tells its listeners which clients' transactions a recheck dropped", async () => {
    const { mempool, app } = setup();
    const dropped: string[][] = [];
    mempool.onLocalTxsDropped((hashes) => dropped.push(hashes.map(toHex)));
    for (const label of ['mine-ok', 'mine-bad']) await mempool.add(text(label));
    await mempool.add(text('theirs-bad'), { from: 'B' });
    app.invalid.add('mine-bad');
    app.invalid.add('theirs-bad');
    await mempool.update(1, []);
    expect(dropped).toEqual([[toHex(txHash(text('mine-bad')))]]);
    expect(contents(mempool)).toEqual(['mine-ok']);
  });
});

describe('Mempool.reap', () => {
  it('takes txs in arrival order up to the count limit, without removing them', async () => {
    const { mempool } = setup();
    for (const label of ['a', 'b', 'c']) await mempool.add(text(label));
    expect(mempool.reap(1_000, 2).map(asText)).toEqual(['a', 'b']);
    expect(mempool.size).toBe(3);
    expect(mempool.reap(1_000, 0)).toEqual([]);
  });

  it('stops at the first tx that does not fit the byte limit: a block takes a prefix of the pool', async () => {
    const { mempool } = setup();
    for (const label of ['aa', 'bbbb', 'c']) await mempool.add(text(label));
    expect(mempool.reap(5, 10).map(asText)).toEqual(['aa']);
    expect(mempool.reap(7, 10).map(asText)).toEqual(['aa', 'bbbb', 'c']);
    expect(mempool.reap(0, 10)).toEqual([]);
    expect(() => mempool.reap(-1, 10)).toThrow(MempoolArgumentError);
  });
});
