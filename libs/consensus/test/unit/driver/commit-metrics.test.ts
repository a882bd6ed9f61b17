import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { bootNode, commitHeights, deliverRound, kvTx, ReferenceChain, testConsortium } from './harness.js';

/** What a decided height tells the operator through the consensus metrics. */

let telemetry: Telemetry | null = null;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = null;
});

/** Count and sum of a histogram without labels. */
async function histogram(t: Telemetry, name: string): Promise<{ count: number; sum: number }> {
  const { values } = await t.registry.getSingleMetric(name)!.get();
  const sample = (suffix: string) => values.find((value) => (value as { metricName?: string }).metricName === `${name}${suffix}`)?.value ?? 0;
  return { count: sample('_count'), sum: sample('_sum') };
}

describe('rounds per committed height', () => {
  for (const members of [4, 5, 7]) {
    it(`observes 1 for a height decided in round 0 and 2 for one decided in round 1 (${members} members)`, async () => {
      telemetry = setupTelemetry({ serviceName: 'consensus-test', memberId: 'm0', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
      const consortium = testConsortium(members);
      const chain = new ReferenceChain(consortium);
      const t = await bootNode(consortium, { options: { metrics: { consensus: telemetry.metrics.consensus, security: telemetry.metrics.security } } });

      await commitHeights(t, chain, 1);
      expect(t.node.status().committedHeight).toBe(1);
      expect(await histogram(telemetry, 'consortium_consensus_block_rounds')).toEqual({ count: 1, sum: 1 });

      // Height 2: the others skip round 0 (its proposer said nothing) and decide in round 1.
      const block = chain.block([kvTx('round-one')], { round: 1 });
      deliverRound(t, chain, block, { round: 1 });
      await t.settle();
      expect(t.node.status().committedHeight).toBe(2);
      expect(await histogram(telemetry, 'consortium_consensus_block_rounds')).toEqual({ count: 2, sum: 3 });
      await t.node.stop();
    });
  }

  it('observes the finality of a transaction from its admission to this mempool to its commit', async () => {
    telemetry = setupTelemetry({ serviceName: 'consensus-test', memberId: 'm0', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium, { options: { metrics: { consensus: telemetry.metrics.consensus, security: telemetry.metrics.security } } });
    await commitHeights(t, chain, 1);
    const tx = kvTx('final');
    expect((await t.node.submitTx(tx)).accepted).toBe(true);
    t.clock.advance(250);
    deliverRound(t, chain, chain.block([tx]));
    await t.settle();
    expect(t.node.status().committedHeight).toBe(2);
    // Only the tx this mempool held counts: height 1's came in the block alone.
    expect(await histogram(telemetry, 'consortium_consensus_finality_seconds')).toEqual({ count: 1, sum: 0.25 });
    await t.node.stop();
  });
});
