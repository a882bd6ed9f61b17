import { generateNodeKey, P2PNode, peerIdOf } from '@consortium/p2p';

/**
 * Real libp2p between the ceremony's parties: one P2PNode per member on loopback, every member
 * knowing the addresses of those started before it, so every pair connects. Not started until
 * `start` (a member that joins late is started later).
 */
export class CeremonyMesh {
  readonly nodes = new Map<string, P2PNode>();

  private constructor(private readonly ids: readonly string[]) {}

  static async create(ids: readonly string[]): Promise<CeremonyMesh> {
    const mesh = new CeremonyMesh(ids);
    const keys = await Promise.all(ids.map(async () => generateNodeKey()));
    for (const [i, id] of ids.entries()) {
      const members = ids.map((other, j) => ({ id: other, peerId: peerIdOf(keys[j]!) }));
      mesh.nodes.set(id, await P2PNode.create({ memberId: id, privateKey: keys[i]!, listenAddresses: ['/ip4/127.0.0.1/tcp/0'], members, metrics: null, logger: null }));
    }
    return mesh;
  }

  node(id: string): P2PNode {
    return this.nodes.get(id)!;
  }

  /** Starts the members' nodes; each dials those already up. */
  async start(ids: readonly string[] = this.ids): Promise<void> {
    for (const id of ids) {
      const node = this.node(id);
      await node.start();
      for (const other of this.ids) {
        const peer = this.node(other);
        if (other !== id && peer.isStarted()) await node.dial(peer.listenAddresses()[0]!).catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async (node) => (node.isStarted() ? node.stop() : undefined)));
  }
}
