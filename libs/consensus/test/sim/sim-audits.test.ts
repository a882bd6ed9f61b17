import { describe, expect, it } from 'vitest';
import { blockHash } from '../../src/block.js';
import { encodeWalEntry } from '../../src/node/wal-log.js';
import { voteSignBytes, proposalSignBytes } from '../../src/signing.js';
import { SimDiskFullError } from '../../src/sim/errors.js';
import { FaultyStore, type CrashPoint, type IncarnationFaults, type StoreWrite } from '../../src/sim/faulty-ports.js';
import { SimulationInvariants } from '../../src/sim/invariants.js';
import { FAR_ROUND_ENTRIES_PER_SIGNER, resourceBoundsFor, WalAudit } from '../../src/sim/resource-bounds.js';
import { SimRandom } from '../../src/sim/random.js';
import { Scheduler, SkewedTime } from '../../src/sim/scheduler.js';
import { MemoryChainStore } from '../../src/store/index.js';
import type { SignedProposal, SignedVote, Vote } from '../../src/types.js';
import { TEST_LIMITS, TestChain, testTx } from '../unit/store-fixtures.js';

// The simulator's own checks, each shown to catch what it names and to let the legitimate pass.

const SIGNATURE = new Uint8Array(64);
const vote = (validator: string, round: number, hashByte: number | null): SignedVote => ({
  type: 'prevote',
  height: 3,
  round,
  blockHash: hashByte === null ? null : new Uint8Array(32).fill(hashByte),
  validator,
  signature: SIGNATURE,
});
const voteEntry = (v: SignedVote) => encodeWalEntry({ kind: 'input', event: { kind: 'vote', vote: v } });

function audit(members = 4) {
  return new WalAudit('A', TEST_LIMITS, resourceBoundsFor(members, TEST_LIMITS));
}

describe('the WAL audit', () => {
  it("takes two values of any kind in one validator's slot, then only nil or a proposed block", () => {
    const wal = audit();
    expect(wal.appended(3, voteEntry(vote('Z', 0, 1)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 0, 2)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 0, 1)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 0, null)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 0, 3)), 0, 0, true)).toEqual({
      kind: 'wal-bound',
      message: "A's WAL holds 4 values of Z for one slot (height 3, 0/Z/prevote), the last neither nil nor a proposed block: above the 2 the machine counts",
    });
    expect(wal.maxCopiesOfOneEntry).toBe(2);
  });

  it('takes a value beyond the free ones once a proposal at the height names it', () => {
    const wal = audit();
    const { block } = new TestChain().next([testTx('a')]);
    const hash = blockHash(block);
    const proposal: SignedProposal = { height: 3, round: 1, polRound: -1, blockHash: hash, proposer: 'B', signature: SIGNATURE };
    const named: SignedVote = { ...vote('Z', 0, null), blockHash: hash };
    expect(wal.appended(3, voteEntry(vote('Z', 0, 1)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 0, 2)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, encodeWalEntry({ kind: 'input', event: { kind: 'proposal', proposal, block, blockHash: hash, valid: true } }), 1, 1, true)).toBeNull();
    expect(wal.appended(3, voteEntry(named), 1, 1, true)).toBeNull();
  });

  it(`takes ${FAR_ROUND_ENTRIES_PER_SIGNER} entries per signer beyond the round window, refuses one more`, () => {
    const wal = audit();
    for (let i = 0; i < FAR_ROUND_ENTRIES_PER_SIGNER; i++) expect(wal.appended(3, voteEntry(vote('Z', 1_000 + i, 1)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('Z', 999_999, 1)), 0, 0, true)?.message).toMatch(/holds 9 entries by Z beyond the round window at height 3 \(round 999999 while at 0\)/);
    // Another height starts from nothing.
    expect(wal.appended(4, voteEntry({ ...vote('Z', 999_999, 1), height: 4 }), 0, 0, true)).toBeNull();
  });

  it('counts distinct entries against the bound of the rounds reached, and copies once', () => {
    const bounds = resourceBoundsFor(4, TEST_LIMITS);
    const wal = audit();
    let entries = 0;
    // Every validator's prevote and precommit, for a block and for nil, round after round (each a
    // distinct entry), up to the bound of round 0.
    for (let round = 0; entries < bounds.walEntries(0); round++) {
      for (const validator of ['A', 'B', 'C', 'D']) {
        for (const type of ['prevote', 'precommit'] as const) {
          for (const hashByte of [1, null]) {
            if (entries === bounds.walEntries(0)) break;
            // Round 0 is where the node is; later rounds are "reached" by the honest network.
            expect(wal.appended(3, voteEntry({ ...vote(validator, round, hashByte), type }), 0, 64, true)).toBeNull();
            entries += 1;
          }
        }
      }
    }
    expect(wal.appended(3, voteEntry(vote('A', 0, 1)), 0, 0, true)).toBeNull();
    expect(wal.appended(3, voteEntry(vote('A', 40, 1)), 0, 0, true)?.message).toMatch(/distinct entries at height 3, above the bound/);
  });

  it('names an entry its own decoder refuses', () => {
    const wal = audit();
    const chain = new TestChain();
    const { block } = chain.next(Array.from({ length: TEST_LIMITS.blockMaxTxs + 1 }, (_, i) => testTx(`tx${i}`)));
    const proposal: SignedProposal = { height: 1, round: 0, polRound: -1, blockHash: blockHash(block), proposer: 'B', signature: SIGNATURE };
    const entry = encodeWalEntry({ kind: 'signedProposal', proposal, block });
    expect(wal.appended(1, entry, 0, 0, true)?.kind).toBe('wal-unreadable');
  });

  it('names a proposal whose transactions or header do not hash to what was signed, and takes an intact one', () => {
    const wal = audit();
    const { block } = new TestChain().next([testTx('a'), testTx('b')]);
    const proposal: SignedProposal = { height: 1, round: 0, polRound: -1, blockHash: blockHash(block), proposer: 'B', signature: SIGNATURE };
    const input = (b: typeof block) => encodeWalEntry({ kind: 'input', event: { kind: 'proposal', proposal, block: b, blockHash: proposal.blockHash, valid: false } });
    expect(wal.appended(1, input(block), 0, 0, true)).toBeNull();
    expect(wal.appended(1, input({ ...block, txs: [testTx('a')] }), 0, 0, true)?.message).toMatch(/by B for round 0 whose transactions do not hash to its header/);
    expect(wal.appended(1, input({ ...block, header: { ...block.header, timeMs: block.header.timeMs + 1 } }), 0, 0, true)?.message).toMatch(/whose header does not hash to the signed hash/);
  });
});

describe('the whole-life double-sign audit', () => {
  const chainId = 'sim';
  const signBytes = (v: Vote) => voteSignBytes(chainId, v);
  const prevote = (hashByte: number | null): Vote => ({ type: 'prevote', height: 5, round: 0, blockHash: hashByte === null ? null : new Uint8Array(32).fill(hashByte), validator: 'A' });

  it('names an honest validator that signs another value for a slot in a later incarnation', () => {
    const invariants = new SimulationInvariants(new Set());
    invariants.produced('A', signBytes(prevote(null)), 1);
    invariants.produced('A', signBytes(prevote(null)), 2);
    expect(invariants.violation).toBeNull();
    invariants.produced('A', signBytes(prevote(7)), 2);
    expect(invariants.violationKind).toBe('double-sign');
    expect(invariants.violation).toBe(`honest A signed two values at A/5/0/prevote over its life: nil by incarnation 1 and ${'07'.repeat(32)} by incarnation 2`);
  });

  it('tells proposals of one round apart by their value and valid round, and leaves Byzantine members to the equivocation count', () => {
    const invariants = new SimulationInvariants(new Set(['Z']));
    const proposal = { height: 5, round: 1, polRound: -1, blockHash: new Uint8Array(32).fill(1), proposer: 'A' };
    invariants.produced('A', proposalSignBytes(chainId, proposal), 1);
    invariants.produced('Z', signBytes(prevote(1)), 1);
    invariants.produced('Z', signBytes(prevote(2)), 1);
    expect(invariants.violation).toBeNull();
    expect(invariants.highestHonestRound(5)).toBe(1);
    invariants.produced('A', proposalSignBytes(chainId, { ...proposal, polRound: 0 }), 1);
    expect(invariants.violation).toMatch(/^honest A signed two values at A\/5\/1\/proposal over its life/);
  });

  it('records only the first violation, and none of an ignored kind', () => {
    const invariants = new SimulationInvariants(new Set(), ['liveness']);
    invariants.fail('liveness', 'ignored');
    invariants.fail('wal-bound', 'first');
    invariants.fail('agreement', 'second');
    expect([invariants.violationKind, invariants.violation]).toEqual(['wal-bound', 'first']);
  });
});

describe('the faulty store', () => {
  class Plan implements IncarnationFaults {
    dead = false;
    crashAt: CrashPoint | null = null;
    failWrite: StoreWrite | null = null;
    crashesAt(point: CrashPoint): boolean {
      if (point !== this.crashAt) return false;
      this.dead = true;
      return true;
    }
    writeFails(operation: StoreWrite): Error | null {
      return operation === this.failWrite ? new SimDiskFullError(operation) : null;
    }
    readFails(): Error | null {
      return null;
    }
    slowDisk = false;
    /** Latency of each write, in the order asked. */
    latenciesMs: number[] = [];
    readonly scheduler = new Scheduler();
    writeLatencyMs(): number {
      return this.latenciesMs.shift() ?? 0;
    }
    sleep(delayMs: number): Promise<void> {
      return new Promise((resolve) => this.scheduler.schedule(delayMs, () => (this.dead ? undefined : resolve())));
    }
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('dies after a synced WAL write: the entry is durable, the caller never resumes, nothing more is written', async () => {
    const inner = new MemoryChainStore({ limits: TEST_LIMITS });
    const plan = new Plan();
    const store = new FaultyStore(inner, plan, null);
    plan.crashAt = 'wal-synced-before-send';
    let resumed = false;
    void store.appendWal(1, Uint8Array.of(1), true).then(() => (resumed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resumed).toBe(false);
    expect(plan.dead).toBe(true);
    void store.appendWal(1, Uint8Array.of(2), true);
    await new Promise((resolve) => setImmediate(resolve));
    const survivor = inner.crashCopy({ loseUnsyncedWal: true });
    expect(await survivor.readWal(1)).toEqual([Uint8Array.of(1)]);
  });

  it('on a slow disk, writes reach the store in the order issued, each after its latency', async () => {
    const inner = new MemoryChainStore({ limits: TEST_LIMITS });
    const plan = new Plan();
    plan.slowDisk = true;
    plan.latenciesMs = [500, 0, 5];
    const store = new FaultyStore(inner, plan, null);
    const done: number[] = [];
    void store.appendWal(1, Uint8Array.of(1), true).then(() => done.push(1));
    void store.appendWal(1, Uint8Array.of(2), false).then(() => done.push(2));
    void store.appendWal(1, Uint8Array.of(3), true).then(() => done.push(3));
    await settled();
    expect(done).toEqual([]);
    expect(await inner.readWal(1)).toEqual([]);
    plan.scheduler.runNext();
    expect(plan.scheduler.nowMs).toBe(500);
    await settled();
    // The unsynced write waited behind the slow one; the third waits for its own 5 ms.
    expect(done).toEqual([1, 2]);
    plan.scheduler.runNext();
    await settled();
    expect(done).toEqual([1, 2, 3]);
    expect(plan.scheduler.nowMs).toBe(505);
    expect(await inner.readWal(1)).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
  });

  it('on a slow disk, a process that dies during a write never writes it', async () => {
    const inner = new MemoryChainStore({ limits: TEST_LIMITS });
    const plan = new Plan();
    plan.slowDisk = true;
    plan.latenciesMs = [800, 800];
    // The cluster's signer audit takes back a signature whose write never completed.
    const settledWrites: string[] = [];
    const store = new FaultyStore(inner, plan, { appended: () => undefined, pruned: () => undefined, signedWriteDone: () => settledWrites.push('done'), signedWriteFailed: () => settledWrites.push('failed') });
    const first = store.appendSignedWal(1, Uint8Array.of(0), Uint8Array.of(8));
    await settled();
    plan.scheduler.runNext();
    await first;
    expect(settledWrites).toEqual(['done']);
    let resumed = false;
    void store.appendSignedWal(1, Uint8Array.of(1), Uint8Array.of(9)).then(() => (resumed = true));
    await settled();
    plan.dead = true;
    plan.scheduler.runNext();
    await settled();
    expect(resumed).toBe(false);
    expect(settledWrites).toEqual(['done']);
    expect(await inner.readWal(1)).toEqual([Uint8Array.of(0)]);
    expect(await inner.readLastSigned()).toEqual(Uint8Array.of(8));
  });

  it('fails a write as a full disk does: a named error, nothing stored', async () => {
    const inner = new MemoryChainStore({ limits: TEST_LIMITS });
    const plan = new Plan();
    plan.failWrite = 'saveCommittedBlock';
    const store = new FaultyStore(inner, plan, null);
    await expect(store.saveCommittedBlock(new TestChain().next())).rejects.toBeInstanceOf(SimDiskFullError);
    expect(inner.latestHeight()).toBe(0);
  });
});

describe('a skewed clock (clock-skew)', () => {
  it('stays within its offset bound, never runs backwards, and times its timers by its own rate', () => {
    const limits = { offsetMaxMs: 2_000, rateSpread: 0.05, stretchMs: [2_000, 6_000] } as const;
    for (let seed = 1; seed <= 20; seed++) {
      const skew = new SkewedTime(new SimRandom(seed), limits);
      let previous = -1;
      const rates = new Set<number>();
      for (let trueMs = 0; trueMs <= 120_000; trueMs += 250) {
        const local = skew.localMs(trueMs);
        expect(local).toBeGreaterThanOrEqual(previous);
        expect(local - trueMs).toBeGreaterThanOrEqual(-1);
        expect(local - trueMs).toBeLessThanOrEqual(limits.offsetMaxMs + 1);
        previous = local;
        rates.add(skew.trueDelayMs(trueMs, 10_000));
      }
      // Timers of 10 s last from 9.5 to 10.5 s of true time, and not all alike.
      for (const trueDelay of rates) expect(Math.abs(trueDelay - 10_000)).toBeLessThanOrEqual(10_000 * limits.rateSpread / (1 - limits.rateSpread) + 1);
      expect(rates.size).toBeGreaterThan(1);
    }
  });

  it('reads the same for a seed however often it is asked', () => {
    const limits = { offsetMaxMs: 2_000, rateSpread: 0.05, stretchMs: [2_000, 6_000] } as const;
    const often = new SkewedTime(new SimRandom(7), limits);
    const rarely = new SkewedTime(new SimRandom(7), limits);
    for (let trueMs = 0; trueMs < 60_000; trueMs += 7) often.localMs(trueMs);
    expect(often.localMs(60_000)).toBe(rarely.localMs(60_000));
  });
});
