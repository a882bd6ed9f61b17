import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaultProxy, NO_FAULTS, type FaultProxyStats, type LinkFaults } from './fault-proxy.js';

/**
 * Every p2p path of a devnet through a FaultProxy: for each ordered pair of members (a, b) one
 * proxy forwards to b's p2p port, and a's node.json lists that proxy as b's only address. A node
 * dials only the addresses its node.json lists (libs/p2p), so whichever of the two dials, the
 * pair's one connection goes through one of their two proxies, and cutting both cuts the pair.
 */

interface NodeJsonP2p {
  p2p: { listen: string[]; peers?: Record<string, string[]> };
}

export class ProxyMeshError extends Error {
  override readonly name = 'ProxyMeshError';
}

const linkKey = (from: string, to: string) => `${from}->${to}`;

export class ProxyMesh {
  private constructor(
    readonly memberIds: readonly string[],
    /** By `from->to`: the proxy `from` dials `to` through. */
    private readonly proxies: ReadonlyMap<string, FaultProxy>,
  ) {}

  /**
   * Starts one proxy per ordered pair and rewrites every member's node.json peers to them. Call
   * between writing the devnet and starting its nodes (Consortium.start's beforeStart).
   */
  static async install(devnetDir: string, memberIds: readonly string[], seed: string): Promise<ProxyMesh> {
    const configs = new Map<string, NodeJsonP2p>();
    const p2pPorts = new Map<string, number>();
    for (const id of memberIds) {
      const config = JSON.parse(await readFile(join(devnetDir, id, 'node.json'), 'utf8')) as NodeJsonP2p;
      const port = Number(/\/tcp\/(\d+)/.exec(config.p2p.listen[0] ?? '')?.[1]);
      if (!Number.isInteger(port) || port <= 0) throw new ProxyMeshError(`${id}'s node.json listens on no TCP port: ${JSON.stringify(config.p2p.listen)}`);
      configs.set(id, config);
      p2pPorts.set(id, port);
    }
    const proxies = new Map<string, FaultProxy>();
    try {
      for (const from of memberIds) {
        for (const to of memberIds) {
          if (from === to) continue;
          proxies.set(linkKey(from, to), await FaultProxy.start({ targetPort: p2pPorts.get(to)!, name: linkKey(from, to), seed }));
        }
      }
    } catch (error) {
      await Promise.all([...proxies.values()].map(async (proxy) => proxy.close()));
      throw error;
    }
    for (const [from, config] of configs) {
      config.p2p.peers = Object.fromEntries(memberIds.filter((to) => to !== from).map((to) => [to, [proxies.get(linkKey(from, to))!.multiaddr]]));
      await writeFile(join(devnetDir, from, 'node.json'), `${JSON.stringify(config, null, 2)}\n`);
    }
    return new ProxyMesh(memberIds, proxies);
  }

  /** The two proxies between `a` and `b`. */
  private pair(a: string, b: string): FaultProxy[] {
    const pair = [this.proxies.get(linkKey(a, b)), this.proxies.get(linkKey(b, a))];
    if (pair.some((proxy) => proxy === undefined)) throw new ProxyMeshError(`no link between ${a} and ${b}: members are ${this.memberIds.join(', ')}`);
    return pair as FaultProxy[];
  }

  /**
   * Cuts every link between members of different groups and heals every link inside a group.
   * Every member must be in exactly one group.
   */
  partition(groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((group, index) => {
      for (const member of group) {
        if (!this.memberIds.includes(member)) throw new ProxyMeshError(`${member} is not a member of this devnet`);
        if (groupOf.has(member)) throw new ProxyMeshError(`${member} is in two groups`);
        groupOf.set(member, index);
      }
    });
    const missing = this.memberIds.filter((member) => !groupOf.has(member));
    if (missing.length > 0) throw new ProxyMeshError(`every member must be in a group; not placed: ${missing.join(', ')}`);
    for (const a of this.memberIds) for (const b of this.memberIds) if (a < b) this.setCut(a, b, groupOf.get(a) !== groupOf.get(b));
  }

  /** Cuts (or heals) the link between two members. */
  setCut(a: string, b: string, cut: boolean): void {
    for (const proxy of this.pair(a, b)) proxy.setCut(cut);
  }

  /** Heals every link (faults set by setFaults stay). */
  healAll(): void {
    for (const proxy of this.proxies.values()) proxy.setCut(false);
  }

  /** Latency and loss on every link (or on the links of `members` only). */
  setFaults(faults: LinkFaults, members: readonly string[] = this.memberIds): void {
    for (const [key, proxy] of this.proxies) {
      const [from, to] = key.split('->') as [string, string];
      if (members.includes(from) || members.includes(to)) proxy.setFaults(faults);
    }
  }

  clearFaults(): void {
    this.setFaults(NO_FAULTS);
  }

  /** Totals over every proxy. */
  stats(): FaultProxyStats {
    const total = { connections: 0, bytes: 0, lostChunks: 0, resets: 0 };
    for (const proxy of this.proxies.values()) {
      const stats = proxy.snapshot();
      total.connections += stats.connections;
      total.bytes += stats.bytes;
      total.lostChunks += stats.lostChunks;
      total.resets += stats.resets;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map(async (proxy) => proxy.close()));
  }
}
