import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freeLoopbackPort, makeIdentities, TestNetwork, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

/**
 * A TCP forwarder on loopback that can be cut: the only path the test configures between two
 * members (what a firewall, a NAT or a proxy is between real hosts).
 */
class Forwarder {
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async open(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.sockets.delete(socket);
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  }

  get address(): string {
    return `/ip4/127.0.0.1/tcp/${this.port}`;
  }
}

const failedDials = (node: TestNode, member: string) => node.logs.find(`dial to member ${member} failed`).length;

describe('configured member addresses', () => {
  const network = new TestNetwork();
  const forwarders: Forwarder[] = [];
  afterEach(async () => {
    await Promise.all(forwarders.map(async (forwarder) => forwarder.cut()));
    await network.stopAll();
  });

  // Identify replaces the peer store's addresses of a member with the ones it announces (its
  // listen address here). A node that then redialled by peer id went around the path its
  // operator configured: a cut between two members healed itself through an address neither
  // operator chose.
  it('are the only ones dialled, also after identify taught the node the member listen address', async () => {
    const [a, b] = await makeIdentities(['T-Mobile-DE', 'Vodafone-UK']);
    const [portA, portB] = [await freeLoopbackPort(), await freeLoopbackPort()];
    // Each member reaches the other only through its forwarder.
    const toA = new Forwarder(portA);
    const toB = new Forwarder(portB);
    forwarders.push(toA, toB);
    await Promise.all([toA.open(), toB.open()]);
    const nodeA = await network.startNode(a!, [a!, b!], { listen: `/ip4/127.0.0.1/tcp/${portA}`, addresses: new Map([['Vodafone-UK', [toB.address]]]) });
    const nodeB = await network.startNode(b!, [a!, b!], { listen: `/ip4/127.0.0.1/tcp/${portB}`, addresses: new Map([['T-Mobile-DE', [toA.address]]]) });
    await waitFor('A and B connected through the forwarders', () => nodeA.node.connectedMembers().includes('Vodafone-UK') && nodeB.node.connectedMembers().includes('T-Mobile-DE'));
    // Identify runs once as the connection opens; five pings later it has long been answered
    // (its one round trip goes first on the same connection), and B's listen address has
    // replaced the forwarder's in A's peer store.
    const pingTimes = new Set<number>();
    await waitFor('five RTTs of B measured by A', () => {
      const measuredAtMs = nodeA.node.peerHealth().find((peer) => peer.memberId === 'Vodafone-UK')?.rttMeasuredAtMs;
      if (measuredAtMs !== null && measuredAtMs !== undefined) pingTimes.add(measuredAtMs);
      return pingTimes.size >= 5;
    });
    await Promise.all([toA.cut(), toB.cut()]);
    await waitFor('A down to B', () => !nodeA.node.connectedMembers().includes('Vodafone-UK') && !nodeB.node.connectedMembers().includes('T-Mobile-DE'));
    const failedBefore = [failedDials(nodeA, 'Vodafone-UK'), failedDials(nodeB, 'T-Mobile-DE')];
    // Each tries only the cut path: three redials each later, still apart.
    await waitFor('three more failed redials each way, and the members still apart', () => {
      const connected = [...nodeA.node.connectedMembers(), ...nodeB.node.connectedMembers()];
      if (connected.length > 0) throw new Error(`reconnected around the cut forwarders (connected: ${connected.join(', ')})`);
      return failedDials(nodeA, 'Vodafone-UK') >= failedBefore[0]! + 3 && failedDials(nodeB, 'T-Mobile-DE') >= failedBefore[1]! + 3;
    }, 30_000);
    expect(nodeA.node.connectedMembers()).toEqual([]);

    await toB.open();
    await waitFor('A reconnected to B through its forwarder', () => nodeA.node.connectedMembers().includes('Vodafone-UK'), 30_000);
  });
});
