import { generateKeyPair } from '@libp2p/crypto/keys';
import { describe, expect, it } from 'vitest';
import {
  InvalidAddressError,
  InvalidLimitsError,
  InvalidMemberListError,
  NodeNotStartedError,
  NodeStartError,
  NodeStoppedError,
  P2PNode,
  UnsupportedNodeKeyTypeError,
  type P2PNodeOptions,
} from '../../src/index.js';
import { freeLoopbackPort, LOOPBACK, makeIdentities, TestNetwork } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const ids = ['T-Mobile-DE', 'Vodafone-UK'];

async function options(overrides: Partial<P2PNodeOptions> = {}): Promise<P2PNodeOptions> {
  const [self, other] = await makeIdentities(ids);
  return {
    memberId: self!.id,
    privateKey: self!.key,
    listenAddresses: [LOOPBACK],
    members: [self!, other!].map((member) => ({ id: member.id, peerId: member.peerId })),
    metrics: null,
    logger: null,
    ...overrides,
  };
}

/** Sockets, servers and ref'd timers the process holds (what would keep it from exiting). */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of process.getActiveResourcesInfo()) {
    if (['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].includes(resource)) counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe('P2PNode lifecycle', () => {
  // First in the file, so no earlier node's timers are in the baseline.
  it('releases every socket and timer on stop', async () => {
    const before = handles();
    const network = new TestNetwork();
    const [a, b] = await makeIdentities(ids);
    const nodes = await network.startCluster([a!, b!]);
    nodes[0]!.node.broadcast('consensus', new Uint8Array(10));
    await nodes[1]!.node.request('T-Mobile-DE', 'sync', new Uint8Array(1), 1_000).catch(() => undefined);
    // Pings have run both ways, so their timers are among what stop() must release.
    await waitFor('an RTT measured both ways', () => nodes.every(({ node }) => node.peerHealth().every((peer) => peer.rttMs !== null)));
    expect(handles().TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0);
    await network.stopAll();
    // libp2p's address manager leaves one debounced (1 s) peer-store update per node behind
    // after stop; it fires once and is gone. Nothing of ours outlives stop().
    await waitFor('sockets, servers and timers released', () => {
      const now = handles();
      const done =
        (now.TCPSocketWrap ?? 0) === (before.TCPSocketWrap ?? 0) &&
        (now.TCPServerWrap ?? 0) === (before.TCPServerWrap ?? 0) &&
        (now.Timeout ?? 0) <= (before.Timeout ?? 0);
      return { done, seen: `${JSON.stringify(now)}, before ${JSON.stringify(before)}` };
    });
  });

  it('refuses bad options at create, before anything listens', async () => {
    const base = await options();
    await expect(P2PNode.create({ ...base, members: base.members.slice(1) })).rejects.toBeInstanceOf(InvalidMemberListError);
    await expect(P2PNode.create({ ...base, memberId: 'Vodafone-UK' })).rejects.toThrow(/private key is peer id/);
    await expect(P2PNode.create({ ...base, listenAddresses: ['/ip4/127.0.0.1/tcp/not-a-port'] })).rejects.toBeInstanceOf(InvalidAddressError);
    await expect(P2PNode.create({ ...base, limits: { pingIntervalMs: -1 } })).rejects.toBeInstanceOf(InvalidLimitsError);
    const secp = await generateKeyPair('secp256k1');
    await expect(P2PNode.create({ ...base, privateKey: secp })).rejects.toBeInstanceOf(UnsupportedNodeKeyTypeError);
  });

  it('refuses to send before start and after stop; start is once, stop is idempotent', async () => {
    const node = await P2PNode.create(await options());
    expect(node.listenAddresses()).toEqual([]);
    expect(() => node.broadcast('consensus', new Uint8Array(1))).toThrow(NodeNotStartedError);
    await node.start();
    await node.start();
    expect(node.listenAddresses()[0]).toMatch(new RegExp(`^/ip4/127.0.0.1/tcp/\\d+/p2p/${node.peerId}$`));
    await node.stop();
    await node.stop();
    expect(() => node.send('Vodafone-UK', 'tx', new Uint8Array(1))).toThrow(NodeStoppedError);
    await expect(node.start()).rejects.toBeInstanceOf(NodeStoppedError);
  });

  it('fails to start on an address already in use, with NodeStartError, and is then stopped', async () => {
    const listen = `/ip4/127.0.0.1/tcp/${await freeLoopbackPort()}`;
    const first = await P2PNode.create(await options({ listenAddresses: [listen] }));
    await first.start();
    const second = await P2PNode.create(await options({ listenAddresses: [listen] }));
    const error = await second.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).message).toContain(listen);
    await expect(second.start()).rejects.toBeInstanceOf(NodeStoppedError);
    await first.stop();
  });
});
