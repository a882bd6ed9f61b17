import { describe, expect, it } from 'vitest';
import { ChainMismatchError, type BlockSummary } from '../../src/devnet/chain-check.js';
import { expectSameChains, readChain, waitForCommonHeight, waitForHeight, type ChainSource } from '../../src/devnet/heights.js';
import { WaitTimeoutError } from '../../src/devnet/wait.js';

/**
 * The height waits and the whole-chain check over in-memory chains: a source stands for a node
 * process whose height grows on each poll, which can stop answering, and whose blocks can fork.
 */
const hashOf = (label: string) => label.padEnd(64, '0');

function block(height: number, label: string): BlockSummary {
  return {
    height,
    hash: hashOf(`${label}${height}`),
    previousBlockHash: height === 1 ? '0'.repeat(64) : hashOf(`${label}${height - 1}`),
    appHash: hashOf(`app${height}`),
    timeMs: height,
    proposer: 'T-Mobile-DE',
    txs: [],
    certificate: { round: 0, signers: ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'] },
  };
}

class MemoryNode implements ChainSource {
  requests = 0;

  constructor(
    readonly memberId: string,
    /** Heights reported by successive polls (null: not answering); the last repeats. */
    private readonly heights: (number | null)[],
    private readonly labelAt: (height: number) => string = () => 'a',
  ) {}

  committedHeight(): Promise<number | null> {
    return Promise.resolve(this.heights.length > 1 ? this.heights.shift()! : this.heights[0]!);
  }

  block(height: number): Promise<BlockSummary | null> {
    this.requests += 1;
    return Promise.resolve(block(height, this.labelAt(height)));
  }
}

const validators = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'].map((id) => ({ id, votingPower: 1 }));

describe('height waits', () => {
  it('waits for the lagging nodes to reach a height', async () => {
    await expect(waitForHeight([new MemoryNode('T-Mobile-DE', [9]), new MemoryNode('Vodafone-UK', [3, 5, 9])], 9, 5_000)).resolves.toBeUndefined();
  });

  it('on timeout lists every node with its last height, and the ones that stopped answering', async () => {
    const nodes = [new MemoryNode('T-Mobile-DE', [12]), new MemoryNode('Vodafone-UK', [9, null]), new MemoryNode('Orange-FR', [11])];
    const error = await waitForHeight(nodes, 12, 1_500).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      'timed out after 1500 ms waiting for: every node of T-Mobile-DE, Vodafone-UK, Orange-FR at height 12 or above; last seen: T-Mobile-DE 12, Vodafone-UK 9 (not answering), Orange-FR 11',
    );
  });

  it('a common height is the most advanced node\'s when the wait began; the others are waited for', async () => {
    const nodes = [new MemoryNode('T-Mobile-DE', [7, 8, 9]), new MemoryNode('Vodafone-UK', [4, 6, 7]), new MemoryNode('Orange-FR', [5, 7])];
    await expect(waitForCommonHeight(nodes, 5_000)).resolves.toBe(7);
  });
});

describe('expectSameChains', () => {
  it('reads heights 1..h of every node and returns h when they agree', async () => {
    const nodes = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'].map((id) => new MemoryNode(id, [40]));
    await expect(expectSameChains(nodes, validators, 5_000)).resolves.toBe(40);
    expect(nodes.map((node) => node.requests)).toEqual([40, 40, 40, 40]);
  });

  it('compares only up to the common height: a node a block ahead is not a fork', async () => {
    const nodes = [new MemoryNode('T-Mobile-DE', [6, 7]), new MemoryNode('Vodafone-UK', [5, 6]), new MemoryNode('Orange-FR', [6])];
    await expect(expectSameChains(nodes, validators, 5_000)).resolves.toBe(6);
  });

  it('fails with ChainMismatchError naming the height, the nodes and their hashes on a fork', async () => {
    const forkAt5 = (height: number) => (height >= 5 ? 'b' : 'a');
    const nodes = [new MemoryNode('T-Mobile-DE', [8]), new MemoryNode('Vodafone-UK', [8]), new MemoryNode('Orange-FR', [8], forkAt5)];
    const error = await expectSameChains(nodes, validators, 5_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChainMismatchError);
    expect((error as ChainMismatchError).height).toBe(8);
    expect((error as Error).message).toContain(`height 5 differs between nodes:\n  hash: ${hashOf('a5')} on T-Mobile-DE, Vodafone-UK; ${hashOf('b5')} on Orange-FR`);
  });

  it('reads a long chain a bounded number of requests at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: ChainSource = {
      memberId: 'T-Mobile-DE',
      committedHeight: () => Promise.resolve(100),
      block: async (height) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
        return block(height, 'a');
      },
    };
    const view = await readChain(slow, 100, 8);
    expect(view.blocks.map((b) => b?.height)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(most).toBe(8);
  });
});
