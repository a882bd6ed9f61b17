import { describe, expect, it } from 'vitest';
import { encodeBlocksRequest } from '../../src/node/wire.js';
import { MemoryChainStore } from '../../src/store/index.js';
import { bootNode, kvTx, ReferenceChain, testConsortium } from '../unit/driver/harness.js';

/** libs/p2p's response cap for block sync before this issue: what a transport actually carries. */
const P2P_SYNC_RESPONSE_MAX_BYTES = 32 * 1024 * 1024;

/** Block sync at full size: 12 blocks of 3.2 MiB (too slow for the unit suite on a busy machine). */
describe('block sync responses', () => {
  it('serves block sync responses the transport can carry, even of the largest blocks', async () => {
    const consortium = testConsortium(4, { blockMaxBytes: 4 * 1024 * 1024, txMaxBytes: 64 * 1024, blockMaxTxs: 10_000 });
    const chain = new ReferenceChain(consortium);
    const store = new MemoryChainStore({ limits: consortium.genesis.consensus });
    for (let height = 1; height <= 12; height++) {
      // About 3.2 MiB of transactions per block.
      const block = chain.block(Array.from({ length: 200 }, (_, i) => kvTx(`sync-${height}-${i}`, 16_000)));
      const certificate = chain.certificate(block);
      await store.saveCommittedBlock({ block, certificate });
      await chain.commit(block, certificate);
    }
    const t = await bootNode(consortium, { store });
    const response = await t.transport.serve('m1', encodeBlocksRequest({ fromHeight: 1, maxCount: 16 }));
    expect(response.byteLength).toBeLessThanOrEqual(P2P_SYNC_RESPONSE_MAX_BYTES);
    expect(response.byteLength).toBeLessThanOrEqual(t.node.limits.syncResponseFrameMaxBytes);
    expect(response.byteLength).toBeGreaterThan(3 * 1024 * 1024);
    await t.node.stop();
  });
});
