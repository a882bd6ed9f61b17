import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateNodeKey, P2PNode, peerIdOf } from '@consortium/p2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consortium } from '../../src/devnet/consortium.js';
import { waitFor } from '../../src/devnet/processes.js';
import { commitTxs, crashAndCatchUp, expectSameBlock } from './scenario.js';

/** Five founding members as five processes: real libp2p over loopback, real LevelDB. */
describe('a five-member consortium of node processes', () => {
  let consortium: Consortium;
  beforeAll(async () => {
    consortium = await Consortium.start(5);
  }, 120_000);
  afterAll(async () => consortium?.stopAll());

  it('becomes ready, connected to every member, and commits blocks with transactions', async () => {
    await consortium.waitAllReady();
    for (const node of consortium.nodes) expect((await node.status())?.connectedMembers).toHaveLength(4);
    await commitTxs(consortium, 100, 'first');
    const [height] = await consortium.heights();
    await expectSameBlock(consortium, height!);
    expect(await consortium.nodes[0]!.metric('consortium_consensus_committed_txs_total')).toBeGreaterThanOrEqual(100);
  });

  it('refuses a libp2p node that is not a member, counts it, and keeps committing', async () => {
    const target = consortium.nodes[0]!;
    const before = await target.metric('consortium_security_refused_peers_total', { reason: 'not_member' });
    const heightBefore = await target.height();
    const config = JSON.parse(await readFile(target.configFile, 'utf8')) as { p2p: { listen: string[] } };
    const genesis = JSON.parse(await readFile(join(consortium.dir, 'genesis.json'), 'utf8')) as { members: { id: string; peerId: string }[] };
    const targetPeerId = genesis.members.find((member) => member.id === target.memberId)!.peerId;
    // The stranger believes in a consortium of itself and the target; the target's genesis knows better.
    const strangerKey = await generateNodeKey();
    const stranger = await P2PNode.create({
      memberId: 'Stranger-XX',
      privateKey: strangerKey,
      listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
      members: [
        { id: 'Stranger-XX', peerId: peerIdOf(strangerKey) },
        { id: target.memberId, peerId: targetPeerId, addresses: config.p2p.listen },
      ],
      metrics: null,
      logger: null,
    });
    await stranger.start();
    try {
      await stranger.dial(`${config.p2p.listen[0]}/p2p/${targetPeerId}`, 5_000).catch(() => undefined);
      await waitFor('the target counted the refusal', async () => (await target.metric('consortium_security_refused_peers_total', { reason: 'not_member' })) > before, 10_000);
      await waitFor('the stranger holds no connection', () => stranger.connectedMembers().length === 0, 10_000);
    } finally {
      await stranger.stop();
    }
    expect((await target.status())?.connectedMembers).toHaveLength(4);
    await consortium.waitHeight(heightBefore + 2);
  });

  it('keeps committing with one node killed (kill -9), which catches up through block sync after a restart', async () => {
    await crashAndCatchUp(consortium);
  });
});
