import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/crypto/hash.js';
import { KeyValueApplication } from '../../../src/kv-app.js';
import { bootNode, commitHeights, ReferenceChain, testConsortium } from './harness.js';

/**
 * A snapshot of the application costs O(state); the node takes one every snapshotIntervalBlocks
 * blocks, and a restart restores the newest and re-executes the blocks after it.
 */
class CountingApplication extends KeyValueApplication {
  finalized: number[] = [];
  override finalizeBlock(request: Parameters<KeyValueApplication['finalizeBlock']>[0]) {
    this.finalized.push(request.header.height);
    return super.finalizeBlock(request);
  }
}

describe('periodic application snapshots', () => {
  it('snapshots every interval and restarts from the newest one, re-executing only the blocks after it', async () => {
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium, { options: { snapshotIntervalBlocks: 5 } });
    await commitHeights(t, chain, 12);
    expect(t.node.status().committedHeight).toBe(12);
    expect(await t.store.appSnapshotHeights()).toEqual([10, 5]);
    await t.node.stop();

    const app = new CountingApplication();
    const restarted = await bootNode(consortium, { store: t.store, clock: t.clock, app, options: { snapshotIntervalBlocks: 5 } });
    expect(app.finalized).toEqual([11, 12]);
    const info = await app.info();
    expect([info.lastHeight, toHex(info.appHash)]).toEqual([12, toHex(chain.appHash)]);
    // And it goes on deciding with the others from there.
    await commitHeights(restarted, chain, 1);
    expect(restarted.node.status().committedHeight).toBe(13);
    await restarted.node.stop();
  });
});
