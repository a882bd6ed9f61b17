import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsensusParams } from '@consortium/consensus';
import type { ApiRole } from '@consortium/node-config';
import { writeConsortium, type ConsortiumFiles } from './consortium-files.js';
import { NodeProcess, waitUntil } from './node-process.js';
import { apiTokenFor } from './single-member.js';

/** A node process from spawn to answering its API (tsx loads the sources), on a busy machine. */
export const NODE_START_MS = 240_000;

/**
 * A consortium of real node processes on loopback (libp2p, LevelDB, the key-value application)
 * for the e2e tests that need several members: its files in a temporary folder, one process per
 * member, and the API reads those tests make with each member's own tokens.
 */
export class ProcessConsortium {
  /** One process per member, in genesis order; restart() replaces one. */
  readonly nodes: NodeProcess[];

  private constructor(
    readonly root: string,
    readonly files: ConsortiumFiles,
  ) {
    this.nodes = files.memberIds.map((id) => new NodeProcess(files.configFile(id)));
  }

  /** Writes the consortium's files and starts every member; resolves once each serves its API. */
  static async start(folderPrefix: string, members: number, params: ConsensusParams): Promise<ProcessConsortium> {
    const root = await mkdtemp(join(tmpdir(), folderPrefix));
    const consortium = new ProcessConsortium(root, await writeConsortium(root, members, params));
    for (const node of consortium.nodes) await consortium.untilServing(node);
    return consortium;
  }

  /** Member `index`'s node again, on the same data folder (after its process stopped). */
  async restart(index: number): Promise<NodeProcess> {
    const node = new NodeProcess(this.files.configFile(this.files.memberIds[index]!));
    this.nodes[index] = node;
    await this.untilServing(node);
    return node;
  }

  urls(): string[] {
    return this.nodes.map((node) => node.httpUrl()!);
  }

  /** The bearer token header of the member whose node serves `url` (the API answers 401 to /v1/* without one). */
  async authorization(url: string, role: ApiRole = 'observer'): Promise<Record<string, string>> {
    const origin = new URL(url).origin;
    const index = this.nodes.findIndex((node) => node.httpUrl() !== null && new URL(node.httpUrl()!).origin === origin);
    if (index < 0) return {};
    return { authorization: `Bearer ${await apiTokenFor(this.files.configFile(this.files.memberIds[index]!), role)}` };
  }

  async getJson<T>(url: string): Promise<{ status: number; body: T }> {
    const response = await fetch(url, { headers: await this.authorization(url), signal: AbortSignal.timeout(30_000) });
    return { status: response.status, body: (await response.json()) as T };
  }

  async committedHeight(url: string): Promise<number> {
    return (await this.getJson<{ consensus: { committedHeight: number } }>(`${url}/v1/status`)).body.consensus.committedHeight;
  }

  async block(url: string, height: number): Promise<{ readonly height: number; readonly hash: string; readonly timeMs: number; readonly txs: readonly string[] }> {
    return (await this.getJson<{ height: number; hash: string; timeMs: number; txs: string[] }>(`${url}/v1/blocks/${height}`)).body;
  }

  /** Stops every process and removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    await rm(this.root, { recursive: true, force: true });
  }

  private async untilServing(node: NodeProcess): Promise<void> {
    await waitUntil('the node serves its API', () => node.httpUrl() !== null || !node.running, NODE_START_MS, () => node.log.slice(-2_000));
    if (!node.running) throw new Error(`the node exited before serving its API:\n${node.log.slice(-2_000)}`);
  }
}
