import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_NAMES, type PeerHealth } from '../../src/index.js';
import { freeLoopbackPort, histogramCount, makeIdentities, metricValue, TEST_LIMITS, TestNetwork, type TestIdentity, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const network = new TestNetwork();
let identities: TestIdentity[];
let tmobile: TestNode, vodafone: TestNode, orange: TestNode;
let tmobileListen: string;

beforeAll(async () => {
  identities = await makeIdentities(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR']);
  const [tmobileId, vodafoneId, orangeId] = identities as [TestIdentity, TestIdentity, TestIdentity];
  // T-Mobile listens on a fixed port so it can come back on the address the others dial.
  tmobileListen = `/ip4/127.0.0.1/tcp/${await freeLoopbackPort()}`;
  tmobile = await network.startNode(tmobileId, identities, { listen: tmobileListen });
  vodafone = await network.startNode(vodafoneId, identities, { addresses: new Map([['T-Mobile-DE', [tmobileListen]]]) });
  orange = await network.startNode(orangeId, identities, {
    addresses: new Map([
      ['T-Mobile-DE', [tmobileListen]],
      ['Vodafone-UK', vodafone.node.listenAddresses()],
    ]),
  });
  await waitFor('all connected', () => [tmobile, vodafone, orange].every((peer) => peer.node.connectedMembers().length === 2));
  tmobile.node.onMessage('consensus', () => undefined);
  tmobile.node.onMessage('tx', () => undefined);
  tmobile.node.onRequest('sync', () => Promise.resolve(new Uint8Array(1000)));
});
afterAll(async () => network.stopAll());

const healthOf = (node: TestNode, memberId: string): PeerHealth => node.node.peerHealth().find((peer) => peer.memberId === memberId)!;

describe('peerHealth', () => {
  it('shows the vote quorum reachable while every member is connected', async () => {
    for (const peer of [tmobile, vodafone, orange]) expect(await metricValue(peer.telemetry, 'consortium_p2p_quorum_reachable')).toBe(1);
  });

  it('lists every other member, with its peer id and an up event', () => {
    const health = vodafone.node.peerHealth();
    expect(health.map((peer) => peer.memberId)).toEqual(['T-Mobile-DE', 'Orange-FR']);
    expect(health[0]).toMatchObject({ peerId: identities[0]!.peerId, connected: true, score: 0, backoffUntilMs: null, backoffs: 0 });
    expect(health[0]!.events[0]).toMatchObject({ kind: 'up', reason: null });
    expect(['inbound', 'outbound']).toContain(health[0]!.events[0]!.direction);
  });

  it('measures RTT by ping, periodically, with sub-millisecond resolution', async () => {
    await waitFor('RTT measured to both', () => vodafone.node.peerHealth().every((peer) => peer.rttMs !== null));
    for (const peer of vodafone.node.peerHealth()) {
      expect(peer.rttMs).toBeGreaterThan(0);
      // A ping answered within its timeout; on a busy machine that can take a while.
      expect(peer.rttMs).toBeLessThan(TEST_LIMITS.pingTimeoutMs!);
      expect(peer.rttMeasuredAtMs).toBeLessThanOrEqual(Date.now());
    }
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_peer_rtt_seconds', { member: 'T-Mobile-DE' })).toBeGreaterThan(0);
    // pingIntervalMs is 100 in the tests: a few more observations follow.
    const first = await histogramCount(vodafone.telemetry, 'consortium_p2p_ping_rtt_seconds', { member: 'T-Mobile-DE' });
    await waitFor('more pings', async () => (await histogramCount(vodafone.telemetry, 'consortium_p2p_ping_rtt_seconds', { member: 'T-Mobile-DE' })) >= first + 2);
  });

  it('counts bytes and messages per protocol and direction', async () => {
    for (let index = 0; index < 3; index++) vodafone.node.send('T-Mobile-DE', 'consensus', new Uint8Array(10));
    for (let index = 0; index < 2; index++) vodafone.node.send('T-Mobile-DE', 'tx', new Uint8Array(5));
    await vodafone.node.request('T-Mobile-DE', 'sync', new Uint8Array(7), 15_000);
    // Each protocol has its own stream: tx frames may overtake consensus frames. Wait for both.
    await waitFor('T-Mobile received the frames', () => {
      const { consensus, tx } = healthOf(tmobile, 'Vodafone-UK').traffic;
      return { done: consensus.received.messages === 3 && tx.received.messages === 2, seen: `consensus ${consensus.received.messages}/3, tx ${tx.received.messages}/2` };
    });
    const sent = healthOf(vodafone, 'T-Mobile-DE').traffic;
    expect(sent.consensus).toEqual({ sent: { bytes: 30, messages: 3 }, received: { bytes: 0, messages: 0 }, droppedMessages: 0 });
    expect(sent.tx).toEqual({ sent: { bytes: 10, messages: 2 }, received: { bytes: 0, messages: 0 }, droppedMessages: 0 });
    expect(sent.sync).toEqual({ sent: { bytes: 7, messages: 1 }, received: { bytes: 1000, messages: 1 }, droppedMessages: 0 });
    const got = healthOf(tmobile, 'Vodafone-UK').traffic;
    expect(got.consensus.received).toEqual({ bytes: 30, messages: 3 });
    expect(got.sync).toEqual({ sent: { bytes: 1000, messages: 1 }, received: { bytes: 7, messages: 1 }, droppedMessages: 0 });
    expect(Object.keys(got)).toEqual([...PROTOCOL_NAMES]);
    expect(got.records).toEqual({ sent: { bytes: 0, messages: 0 }, received: { bytes: 0, messages: 0 }, droppedMessages: 0 });
  });

  it('shows a stopped member as disconnected, with a down event, in health and metrics', async () => {
    const stoppedAtMs = Date.now();
    await tmobile.node.stop();
    await waitFor('Vodafone sees T-Mobile down', () => !healthOf(vodafone, 'T-Mobile-DE').connected);
    const down = healthOf(vodafone, 'T-Mobile-DE');
    expect(down.connections).toBe(0);
    expect(down.events.at(-1)!.kind).toBe('down');
    expect(['remote_closed', 'error']).toContain(down.events.at(-1)!.reason);
    expect(down.events.at(-1)!.atMs).toBeGreaterThanOrEqual(stoppedAtMs);
    expect(vodafone.node.connectedMembers()).toEqual(['Orange-FR']);
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_peer_connected', { member: 'T-Mobile-DE' })).toBe(0);
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_connected_peers')).toBe(1);
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_disconnects_total', { member: 'T-Mobile-DE' })).toBe(1);
    // Three members need all three for the quorum (floor(2*3/3) + 1): two of them no longer hold it.
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_quorum_reachable')).toBe(0);
    expect(await metricValue(tmobile.telemetry, 'consortium_p2p_quorum_reachable')).toBe(0);
    // The stopping node counts its own side as a shutdown.
    expect(await metricValue(tmobile.telemetry, 'consortium_p2p_disconnects_total', { reason: 'shutdown' })).toBe(2);
    expect(tmobile.node.connectedMembers()).toEqual([]);
  });

  it('redials the member when it is back on its address', async () => {
    const comeback = await network.startNode(identities[0]!, identities, { listen: tmobileListen });
    await waitFor('both redialled T-Mobile', () => [vodafone, orange].every((peer) => peer.node.connectedMembers().includes('T-Mobile-DE')));
    await waitFor('T-Mobile sees both', () => comeback.node.connectedMembers().length === 2);
    expect(healthOf(vodafone, 'T-Mobile-DE').events.map((event) => event.kind)).toEqual(['up', 'down', 'up']);
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_quorum_reachable')).toBe(1);
    expect(await metricValue(comeback.telemetry, 'consortium_p2p_quorum_reachable')).toBe(1);
    expect(vodafone.logs.find('connected to member T-Mobile-DE').length).toBe(2);
  });
});
