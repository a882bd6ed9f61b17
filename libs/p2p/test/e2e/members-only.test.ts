import { connect } from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from '@libp2p/interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DialRefusedError, generateNodeKey, type MemberId } from '../../src/index.js';
import { addressOf, makeIdentities, metricValue, TestNetwork, type TestIdentity, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const network = new TestNetwork();
let orange: TestNode, sfr: TestNode, telenor: TestNode;
let outsider: Libp2p;
const received: { from: MemberId; body: string }[] = [];

beforeAll(async () => {
  [orange, sfr, telenor] = (await network.startCluster(await makeIdentities(['Orange-FR', 'SFR-FR', 'Telenor-NO']))) as [TestNode, TestNode, TestNode];
  sfr.node.onMessage('tx', (from, payload) => received.push({ from, body: new TextDecoder().decode(payload) }));
  outsider = await network.startBareHost(await generateNodeKey());
});
afterAll(async () => network.stopAll());

const refusedNotMember = async (node: TestNode) =>
  metricValue(node.telemetry, 'consortium_security_refused_peers_total', { reason: 'not_member' });

describe('the members-only gater', () => {
  it('refuses an inbound connection from a peer id not in genesis, counts and logs it', async () => {
    const before = await refusedNotMember(orange);
    // The dial may look open to the outsider for a moment: the refusal happens on Orange's side
    // once the Noise handshake has proven the outsider's peer id.
    await outsider.dial(multiaddr(addressOf(orange))).catch(() => undefined);
    await waitFor('Orange counted the refusal', async () => (await refusedNotMember(orange)) === before + 1);
    await waitFor('the outsider holds no connection to Orange', () => outsider.getConnections().length === 0);
    const lines = orange.logs.find('not a member listed in genesis');
    expect(lines.at(-1)).toMatchObject({ level: 'warn', peerId: outsider.peerId.toString(), reason: 'not_member', checkpoint: 'inbound_encrypted' });
    expect(orange.node.connectedMembers().sort()).toEqual(['SFR-FR', 'Telenor-NO']);
  });

  it('refuses to open a stream for the outsider on any consortium protocol', async () => {
    const connection = await outsider.dial(multiaddr(addressOf(telenor))).catch(() => null);
    const stream = connection === null ? null : await connection.newStream('/consortium/tx/1.0.0').catch(() => null);
    if (stream !== null) {
      // Even if a stream got negotiated before the abort landed, nothing reaches the handlers.
      stream.send(new Uint8Array([3, 1, 2, 3]));
    }
    await waitFor('the outsider is cut off from Telenor', () => outsider.getConnections().length === 0);
    expect(telenor.node.peerHealth().every((peer) => peer.traffic.tx.received.messages === 0)).toBe(true);
  });

  it('refuses outbound: a dial by peer id to a non-member is denied before any connection', async () => {
    const before = await refusedNotMember(orange);
    const address = outsider.getMultiaddrs()[0]!.toString();
    expect(address).toContain('/p2p/');
    await expect(orange.node.dial(address)).rejects.toBeInstanceOf(DialRefusedError);
    expect(await refusedNotMember(orange)).toBe(before + 1);
    expect(orange.logs.find('not a member listed in genesis').at(-1)).toMatchObject({ checkpoint: 'dial_peer' });
  });

  it('refuses outbound: an address without a peer id that turns out to be a non-member is cut after the handshake', async () => {
    const before = await refusedNotMember(orange);
    const address = outsider.getMultiaddrs()[0]!.toString().replace(/\/p2p\/.*$/, '');
    await expect(orange.node.dial(address)).rejects.toBeInstanceOf(DialRefusedError);
    expect(await refusedNotMember(orange)).toBe(before + 1);
    expect(orange.logs.find('not a member listed in genesis').at(-1)).toMatchObject({ checkpoint: 'outbound_encrypted' });
    await waitFor('the outsider holds no connection', () => ({ done: outsider.getConnections().length === 0, seen: `${outsider.getConnections().length} connections` }));
  });

  it('dials an address without a peer id when a member is there, and names the member', async () => {
    const address = sfr.node.listenAddresses()[0]!.replace(/\/p2p\/.*$/, '');
    await expect(orange.node.dial(address)).resolves.toBe('SFR-FR');
  });

  it('keeps the members working after the refusals', async () => {
    orange.node.send('SFR-FR', 'tx', new TextEncoder().encode('still here'));
    telenor.node.send('SFR-FR', 'tx', new TextEncoder().encode('me too'));
    await waitFor('SFR got both', () => received.length === 2);
    expect(received).toEqual(expect.arrayContaining([
      { from: 'Orange-FR', body: 'still here' },
      { from: 'Telenor-NO', body: 'me too' },
    ]));
    for (const node of [orange, sfr, telenor]) expect(node.node.connectedMembers()).toHaveLength(2);
  });
});

/**
 * The host the flood comes from: another loopback address (Linux routes all of 127.0.0.0/8 to
 * lo), so libp2p's per-host threshold tells it apart from the members on 127.0.0.1.
 */
const FLOOD_HOST = '127.0.0.2';
/** What a multistream-select initiator sends first: a varint length, then the header line. */
const MULTISTREAM_HEADER = Buffer.concat([Buffer.of(19), Buffer.from('/multistream/1.0.0\n')]);

type FloodSocket = { readonly outcome: Promise<'held' | 'refused'>; readonly destroy: () => void; closed: boolean };

/**
 * A raw TCP connection from FLOOD_HOST that starts protocol negotiation and then stays silent,
 * holding the connection for as long as the node lets an upgrade take. `outcome` is 'held'
 * once the node answers the header (it accepted the connection), 'refused' when it closes the
 * socket without a byte.
 */
function floodConnection(port: number): FloodSocket {
  const socket = connect({ host: '127.0.0.1', port, localAddress: FLOOD_HOST });
  const flood: FloodSocket = {
    closed: false,
    destroy: () => socket.destroy(),
    outcome: new Promise((resolve) => {
      socket.once('connect', () => socket.write(MULTISTREAM_HEADER));
      socket.once('data', () => resolve('held'));
      socket.on('error', () => undefined);
      socket.once('close', () => {
        flood.closed = true;
        resolve('refused');
      });
    }),
  };
  return flood;
}

describe('a flood of connections from a non-member host', () => {
  it('accepts no more than inboundConnectionsPerHostPerSecond from it, and a member still connects while the accepted ones hang', async () => {
    const flooded = new TestNetwork();
    try {
      const [target, member] = await makeIdentities(['Target', 'Member']) as [TestIdentity, TestIdentity];
      // The upgrade timeout follows dialTimeoutMs: long here, so the accepted flood connections
      // are certainly still hanging when the member connects, on however busy a machine.
      const node = await flooded.startNode(target, [target, member], { limits: { dialTimeoutMs: 60_000 } });
      const port = Number(addressOf(node).split('/')[4]);
      const threshold = node.node.limits.inboundConnectionsPerHostPerSecond;
      const connections = 100;
      const flood = Array.from({ length: connections }, () => floodConnection(port));
      const outcomes = await Promise.all(flood.map((connection) => connection.outcome));
      const held = flood.filter((_, index) => outcomes[index] === 'held');
      // One-second windows: a burst that straddles two may get two windows' worth.
      expect(held.length).toBeGreaterThan(0);
      expect(held.length).toBeLessThanOrEqual(2 * threshold);
      expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(connections - held.length);
      // A member from another host connects while the flood holds its accepted connections
      // open (libp2p's default cap of 10 upgrading connections let 10 such sockets keep every
      // member out for libp2p's 10 s upgrade timeout).
      const late = await flooded.startNode(member, [target, member], { addresses: new Map([['Target', node.node.listenAddresses()]]) });
      await waitFor('the member is connected to the flooded node', () => late.node.connectedMembers().includes('Target') && node.node.connectedMembers().includes('Member'));
      expect(held.filter((connection) => connection.closed).length, 'accepted flood connections closed before the member got in').toBe(0);
      for (const connection of flood) connection.destroy();
    } finally {
      await flooded.stopAll();
    }
  });
});
