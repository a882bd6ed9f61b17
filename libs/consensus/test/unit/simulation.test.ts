import { describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATION, parseFaultClasses, runSimulation, simulationOptionsFor } from '../../src/index.js';
import { IDLE_TX_BOUND_MS, IDLE_WINDOW_INTERVALS, IdleCheck, SIM_EMPTY_BLOCKS_INTERVAL_MS } from '../../src/sim/idle-check.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { SimulationInvariants } from '../../src/sim/invariants.js';
import { voteSignBytes } from '../../src/signing.js';
import { TestChain, testTx } from './store-fixtures.js';

const SHORT = { ...DEFAULT_SIMULATION, faultPhaseMs: 3_000 };

describe('simulator', () => {
  it('replays a seed exactly: the same seed gives the same run', async () => {
    const first = await runSimulation({ ...SHORT, seed: 42, members: 4 });
    const second = await runSimulation({ ...SHORT, seed: 42, members: 4 });
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    const other = await runSimulation({ ...SHORT, seed: 43, members: 4 });
    expect(other.digest).not.toBe(first.digest);
  });

  it('exercises the faults it claims: loss, crashes, partitions and equivocation', async () => {
    const report = await runSimulation({ ...DEFAULT_SIMULATION, seed: 7, members: 5 });
    expect(report.ok).toBe(true);
    expect(report.messagesDropped).toBeGreaterThan(0);
    expect(report.crashes).toBeGreaterThan(0);
    expect(report.partitions).toBeGreaterThan(0);
    expect(report.equivocationsSent).toBeGreaterThan(0);
    expect(report.committedHeight).toBeGreaterThanOrEqual(report.heightAtHeal + DEFAULT_SIMULATION.livenessHeights);
    expect(report.committedTxs).toBeGreaterThan(0);
  });

  it.each([4, 5, 7])('checks an idle chain with %i members: about one block per empty-blocks interval, and a transaction to one node committed well within it', async (members) => {
    for (const faults of ['none', 'base']) {
      const report = await runSimulation({ ...simulationOptionsFor(parseFaultClasses(faults)), faultPhaseMs: 3_000, seed: 11, members });
      expect(report.failure).toBeNull();
      expect(report.idle).not.toBeNull();
      const idle = report.idle!;
      expect(idle.windowMs).toBe(IDLE_WINDOW_INTERVALS * SIM_EMPTY_BLOCKS_INTERVAL_MS);
      expect(idle.blocksInWindowMin).toBeGreaterThanOrEqual(IDLE_WINDOW_INTERVALS - 1);
      expect(idle.blocksInWindowMax).toBeLessThanOrEqual(IDLE_WINDOW_INTERVALS + 1);
      expect(idle.txCommitMs).not.toBeNull();
      expect(idle.txCommitMs!).toBeLessThanOrEqual(IDLE_TX_BOUND_MS);
    }
  });
});

describe("the simulator's empty-blocks check", () => {
  /** A chain whose honest nodes commit a block every `blockEveryMs` (null: never), and a transaction that commits after `txAfterMs` (null: never). */
  function runCheck(blockEveryMs: number | null, txAfterMs: number | null, upperBoundChecked = true) {
    const scheduler = new Scheduler();
    const heights = new Map([['a', 10], ['b', 10]]);
    const failures: string[] = [];
    let txHeight: number | undefined;
    const check = new IdleCheck(scheduler, SIM_EMPTY_BLOCKS_INTERVAL_MS, upperBoundChecked, {
      honest: ['a', 'b'],
      committedHeight: (id) => heights.get(id)!,
      committedAt: () => txHeight,
      txsAt: () => 0,
      fail: (kind, message) => failures.push(`${kind}: ${message}`),
      submitOne: () => {
        if (txAfterMs !== null) scheduler.schedule(txAfterMs, () => (txHeight = heights.get('a')!));
        return { member: 'a', key: 'k' };
      },
    });
    const grow = () => {
      for (const [id, height] of heights) heights.set(id, height + 1);
      scheduler.schedule(blockEveryMs!, grow);
    };
    if (blockEveryMs !== null) scheduler.schedule(blockEveryMs, grow);
    scheduler.schedule(60_000, () => undefined);
    check.start();
    while (!check.done && scheduler.runNext()) check.poll();
    return { failures, figures: check.figures };
  }

  it('passes one block per interval and a transaction committed at once', () => {
    const { failures, figures } = runCheck(SIM_EMPTY_BLOCKS_INTERVAL_MS, 300);
    expect(failures).toEqual([]);
    expect(figures).toMatchObject({ blocksInWindowMin: IDLE_WINDOW_INTERVALS, blocksInWindowMax: IDLE_WINDOW_INTERVALS, txCommitMs: 300 });
  });

  it('fails a chain that makes a block every commit pause while idle (unless a Byzantine member makes blocks)', () => {
    expect(runCheck(100, 300).failures).toEqual([expect.stringMatching(/^empty-blocks: an idle chain made more than one empty block per empty-blocks interval/)]);
    expect(runCheck(100, 300, false).failures).toEqual([]);
  });

  it('fails an idle chain that stops, and a transaction that waits', () => {
    expect(runCheck(null, 300).failures).toEqual([expect.stringMatching(/^liveness: an idle chain must commit a block per empty-blocks interval/)]);
    expect(runCheck(SIM_EMPTY_BLOCKS_INTERVAL_MS, null).failures).toEqual([expect.stringMatching(/^liveness: a transaction submitted to a on an idle chain was not committed/)]);
    expect(runCheck(SIM_EMPTY_BLOCKS_INTERVAL_MS, IDLE_TX_BOUND_MS + 100).failures).toHaveLength(1);
  });
});

describe('simulation invariants', () => {
  const vote = (validator: string, blockHash: Uint8Array | null) => ({
    vote: { type: 'prevote' as const, height: 3, round: 1, blockHash, validator, signature: new Uint8Array(64) },
  });

  it('names an agreement violation with the height and the node', () => {
    const invariants = new SimulationInvariants(new Set());
    const a = new TestChain().next();
    const b = new TestChain('another genesis').next();
    invariants.committed('A', a);
    expect(invariants.violation).toBeNull();
    invariants.committed('B', b);
    expect(invariants.violation).toMatch(/^agreement violated at height 1: B committed [0-9a-f]{12}, others [0-9a-f]{12}$/);
  });

  it('names a node that skips a height', () => {
    const invariants = new SimulationInvariants(new Set());
    const chain = new TestChain();
    chain.next();
    invariants.committed('A', chain.next());
    expect(invariants.violation).toBe('A committed height 2 after 0');
  });

  it('names an honest double signer, and only counts a Byzantine one', () => {
    const invariants = new SimulationInvariants(new Set(['Z']));
    invariants.signed('Z', vote('Z', null));
    invariants.signed('Z', vote('Z', new Uint8Array(32).fill(1)));
    expect(invariants.violation).toBeNull();
    expect(invariants.equivocationsSent).toBe(1);
    invariants.signed('A', vote('A', null));
    invariants.signed('C', vote('A', new Uint8Array(32).fill(2)));
    expect(invariants.violation).toBe('honest A signed two values at A/3/1/prevote: nil and 020202020202 (sent by C)');
  });

  it('names two signatures of one slot over a life, unless the first one was never written', () => {
    const prevote = (blockHash: Uint8Array | null) => voteSignBytes('chain', { type: 'prevote', height: 3, round: 1, blockHash, validator: 'A' });
    const invariants = new SimulationInvariants(new Set());
    // Incarnation 1 signs, its write fails (nothing written), it halts; incarnation 2 signs afresh.
    const slot = invariants.produced('A', prevote(null), 1);
    expect(slot).toBe('A/3/1/prevote');
    invariants.unproduced(slot!);
    expect(invariants.produced('A', prevote(new Uint8Array(32).fill(1)), 2)).toBe('A/3/1/prevote');
    expect(invariants.violation).toBeNull();
    // A signature that was written stays: another value in that slot is a double sign.
    invariants.produced('A', prevote(new Uint8Array(32).fill(2)), 3);
    expect(invariants.violation).toMatch(/^honest A signed two values at A\/3\/1\/prevote over its life/);
  });

  it('names a transaction nobody submitted', () => {
    const invariants = new SimulationInvariants(new Set());
    invariants.submittedTx(testTx('submitted'));
    invariants.committed('A', new TestChain().next([testTx('submitted'), testTx('forged')]));
    expect(invariants.violation).toBe('height 1 commits a transaction nobody submitted');
  });

  it('names a transaction committed twice', () => {
    const invariants = new SimulationInvariants(new Set());
    invariants.submittedTx(testTx('once'));
    const chain = new TestChain();
    invariants.committed('A', chain.next([testTx('once')]));
    invariants.committed('A', chain.next([testTx('once')]));
    expect(invariants.violation).toMatch(/^transaction [0-9a-f]{12} committed at heights 1 and 2$/);
  });
});
