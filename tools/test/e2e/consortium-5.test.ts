import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateNodeKey, P2PNode, peerIdOf } from '@consortium/p2p';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, onTestFailed } from 'vitest';
import { Consortium } from '../../src/devnet/consortium.js';
import { waitFor } from '../../src/devnet/wait.js';
import { commitTxs } from './scenario.js';

/**
 * Five founding members as five processes: real libp2p over loopback, real LevelDB. One
 * consortium for the file; each test ends by comparing the whole chain on every running node.
 * The waits inside have deadlines of minutes (a busy 2-core machine); the test bounds only catch
 * a hang.
 */
const TEST_TIMEOUT_MS = 600_000;

describe('a five-member consortium of node processes', () => {
  let consortium: Consortium;
  beforeAll(async () => {
    consortium = await Consortium.start(5);
  }, 300_000);
  beforeEach(() => {
    onTestFailed(() => consortium?.markFailed());
  });
  afterEach(async () => {
    await consortium.expectSameChains();
  }, TEST_TIMEOUT_MS);
  afterAll(async () => consortium?.stopAll());

  it('becomes ready, connected to every member, and commits blocks with transactions', async () => {
    await consortium.waitAllReady();
    await consortium.waitAllConnected();
    await commitTxs(consortium, 100, 'first');
    // Counted when the block is applied, which may trail the tx index a moment: wait, don't snapshot.
    await consortium.waitMetric(consortium.nodes[0]!, 'consortium_consensus_committed_txs_total', {}, 'at least 100', (txs) => txs >= 100);
  }, TEST_TIMEOUT_MS);

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
      // A dial that times out on a busy machine before the target saw the handshake proves
      // nothing: dial again until the target has counted a refusal.
      await waitFor(`${target.memberId} counts a refused non-member`, async () => {
        await stranger.dial(`${config.p2p.listen[0]}/p2p/${targetPeerId}`, 30_000).catch(() => undefined);
        const refused = await target.metric('consortium_security_refused_peers_total', { reason: 'not_member' }).catch(() => Number.NaN);
        return { done: refused > before, seen: `refused_peers_total{reason="not_member"} ${refused} (${before} before)` };
      });
      await waitFor('the stranger holds no connection', () => ({ done: stranger.connectedMembers().length === 0, seen: `connected to [${stranger.connectedMembers().join(', ')}]` }));
      // The refusal is in the target's append-only security log: who (the stranger's peer id), what, when.
      const strangerPeerId = peerIdOf(strangerKey);
      await waitFor(`${target.memberId}'s security log names the refused stranger`, async () => {
        const lines = (await readFile(join(consortium.dir, target.memberId, 'data', 'security.jsonl'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
        const events = lines.map((line) => JSON.parse(line) as { kind: string; who: { peer?: string }; time: string });
        return { done: events.some((e) => e.kind === 'refused_peer' && e.who.peer === strangerPeerId && e.time !== undefined), seen: `${events.length} events: ${[...new Set(events.map((e) => e.kind))].join(', ')}` };
      });
    } finally {
      await stranger.stop();
    }
    await consortium.waitAllConnected();
    await consortium.waitHeight(heightBefore + 2);
  }, TEST_TIMEOUT_MS);

  // The kill -9 and catch-up through block sync runs with seven members (consortium-7.test.ts),
  // the same scenario: CI time, see docs/decisions.md.
});
