import { describe, expect, it } from 'vitest';
import { KeyValueApplication } from '../../../src/kv-app.js';
import { bootNode, deliverRound, kvTx, ReferenceChain, testConsortium } from './harness.js';

/**
 * application.ts promises that the application is never called concurrently. The mempool and
 * consensus both call it; they must share one lane.
 */
class ConcurrencyProbe extends KeyValueApplication {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;

  private async measured<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    this.calls += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // A real application awaits its own I/O inside each call.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return await call();
    } finally {
      this.inFlight -= 1;
    }
  }

  override checkTx(tx: Uint8Array) {
    return this.measured(() => super.checkTx(tx));
  }
  override processProposal(request: Parameters<KeyValueApplication['processProposal']>[0]) {
    return this.measured(() => super.processProposal(request));
  }
  override finalizeBlock(request: Parameters<KeyValueApplication['finalizeBlock']>[0]) {
    return this.measured(() => super.finalizeBlock(request));
  }
  override commit() {
    return this.measured(() => super.commit());
  }
  override snapshot() {
    return this.measured(() => super.snapshot());
  }
  override prepareProposal(request: Parameters<KeyValueApplication['prepareProposal']>[0]) {
    return this.measured(() => super.prepareProposal(request));
  }
}

describe('the application lane', () => {
  it('never has two calls to the application in flight, with mempool and consensus both busy', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const app = new ConcurrencyProbe();
    const t = await bootNode(consortium, { app });
    for (let height = 1; height <= 3; height++) {
      const block = chain.block([kvTx(`h${height}`)]);
      const submissions = Array.from({ length: 20 }, (_, i) => t.node.submitTx(kvTx(`client-${height}-${i}`)));
      deliverRound(t, chain, block);
      await Promise.all(submissions);
      await t.settle();
      await chain.commit(block, chain.certificate(block));
      t.clock.advance(consortium.genesis.consensus.timeoutCommitMs);
      await t.settle();
    }
    expect(t.node.status().committedHeight).toBe(3);
    expect(app.calls).toBeGreaterThan(60);
    expect(app.maxInFlight).toBe(1);
    await t.node.stop();
  });
});
