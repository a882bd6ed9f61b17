import type { Transport } from '@consortium/consensus';
import type { P2PNode } from '@consortium/p2p';
import { describe, expectTypeOf, it } from 'vitest';

/**
 * p2p and consensus are one layer and may not import each other, so only the node, which hands
 * a P2PNode to consensus, can hold the two real types side by side.
 */
describe('P2PNode', () => {
  it("satisfies consensus's Transport interface structurally", () => {
    expectTypeOf<P2PNode>().toExtend<Transport>();
  });
});
