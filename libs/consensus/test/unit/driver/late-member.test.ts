import { describe, expect, it } from 'vitest';
import { txHash } from '../../../src/block.js';
import type { MemberId } from '../../../src/genesis/types.js';
import { KeyValueApplication } from '../../../src/kv-app.js';
import { Mempool } from '../../../src/mempool/index.js';
import { ConsensusNode } from '../../../src/node/consensus-node.js';
import { SimNetwork } from '../../../src/sim/network.js';
import { SimRandom } from '../../../src/sim/random.js';
import { Scheduler, SimClock } from '../../../src/sim/scheduler.js';
import { transportLimitsFor } from '../../../src/sim/transport-limits.js';
import { MemoryChainStore } from '../../../src/store/index.js';
import { kvTx, testConsortium } from './harness.js';

/**
 * Four real ConsensusNodes over the simulator's in-memory network (virtual time, partitions):
 * a transaction gossiped while its node was cut off from everyone reaches the member that
 * connects later, and is committed through it even though its own node dies before proposing.
 */

interface ClusterNode {
  readonly node: ConsensusNode;
  readonly store: MemoryChainStore;
  readonly clock: SimClock;
}

function cluster() {
  const consortium = testConsortium(4);
  const scheduler = new Scheduler();
  // Virtual time starts after genesis: a block dated far past a validator's clock is refused.
  scheduler.nowMs = consortium.genesis.genesisTimeMs + 1_000;
  const network = new SimNetwork(scheduler, new SimRandom(11), consortium.ids, transportLimitsFor(consortium.genesis));
  const { blockMaxBytes, blockMaxTxs, txMaxBytes } = consortium.genesis.consensus;
  const nodes = new Map<MemberId, ClusterNode>();
  for (const self of consortium.ids) {
    const clock = new SimClock(scheduler);
    const store = new MemoryChainStore({ limits: { blockMaxBytes, blockMaxTxs, txMaxBytes } });
    const app = new KeyValueApplication();
    const mempool = new Mempool(
      { maxTxs: 1_000, maxBytes: 16 * 1024 * 1024, txMaxBytes, recheck: false },
      { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => clock.nowMs() },
    );
    const node = new ConsensusNode({ genesis: consortium.genesis, self, signer: consortium.signers.get(self)!, app, store, mempool, transport: network.attach(self), clock, gossipIntervalMs: 500 });
    nodes.set(self, { node, store, clock });
  }
  /** Runs every event due by `ms` from now, letting the promise chains each one wakes settle. */
  const run = async (ms: number) => {
    const endMs = scheduler.nowMs + ms;
    for (let next = scheduler.peekTimeMs(); next !== undefined && next <= endMs; next = scheduler.peekTimeMs()) {
      scheduler.runNext();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    scheduler.nowMs = endMs;
  };
  /** The process dies: no timer of it runs again and the network forgets it. */
  const kill = (member: MemberId) => {
    nodes.get(member)!.clock.disable();
    network.detach(member);
  };
  return { consortium, network, nodes, run, kill };
}

describe('a member that connects after the gossip of a transaction went out', () => {
  it('receives it at the next status tick and commits it, although the node that admitted it died before proposing', async () => {
    const { network, nodes, run, kill } = cluster();
    const isolate = (member: MemberId, from: readonly MemberId[]) => from.forEach((other) => network.cut(member, other));
    isolate('m0', ['m1', 'm2', 'm3']);
    for (const { node } of nodes.values()) await node.start();
    await run(1_000);

    const tx = kvTx('admitted-while-cut-off');
    expect(await nodes.get('m0')!.node.submitTx(tx)).toMatchObject({ accepted: true });
    // Its gossip (5 ms later) reaches no one.
    await run(100);
    // m1 connects; m2 and m3 stay cut off from m0.
    network.healAll();
    isolate('m0', ['m2', 'm3']);
    await run(500);
    kill('m0');

    // m1, m2 and m3 are a quorum; m1's turns to propose carry the transaction.
    await run(10_000);
    for (const member of ['m1', 'm2', 'm3']) {
      const store = nodes.get(member)!.store;
      expect(store.latestHeight(), member).toBeGreaterThan(4);
      expect(await store.findTx(txHash(tx)), member).not.toBeNull();
    }
    for (const member of ['m1', 'm2', 'm3']) await nodes.get(member)!.node.stop();
  });
});
