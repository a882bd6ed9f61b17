import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import { createDevnet, fetchJson, NodeProcess, submitKeyValueTxs, waitFor } from './processes.js';

/** A local consortium: a devnet folder and one node process per member. */
export class Consortium {
  private constructor(
    readonly dir: string,
    readonly nodes: NodeProcess[],
    private readonly ownsDir: boolean,
  ) {}

  /** Creates a devnet (in `dir`, or a fresh temporary folder) and starts every member's node. */
  static async start(members: number, options: { readonly dir?: string; readonly basePort?: number } = {}): Promise<Consortium> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `consortium-${members}-`)));
    const { memberIds } = await createDevnet(dir, members, options.basePort);
    const consortium = new Consortium(dir, memberIds.map((id) => new NodeProcess(dir, id)), options.dir === undefined);
    await Promise.all(consortium.nodes.map((node) => node.start()));
    return consortium;
  }

  get running(): NodeProcess[] {
    return this.nodes.filter((node) => node.running);
  }

  async heights(nodes = this.running): Promise<number[]> {
    return Promise.all(nodes.map((node) => node.height()));
  }

  async waitAllReady(timeoutMs = 60_000): Promise<void> {
    for (const node of this.running) {
      await waitFor(`${node.memberId} is ready`, async () => ((await fetchJson(`${node.httpUrl}/ready`)) as { status?: string } | null)?.status === 'ready', timeoutMs);
    }
  }

  /** Waits until every given node (default: every running one) has committed at least `height`. */
  async waitHeight(height: number, timeoutMs = 60_000, nodes = this.running): Promise<void> {
    await waitFor(`every node at height ${height}`, async () => (await this.heights(nodes)).every((h) => h >= height), timeoutMs);
  }

  /** Sends `count` fresh key-value transactions, spread over the running nodes; returns their hashes and rejections. */
  async submitTxs(count: number, tag: string): Promise<{ readonly hashes: string[]; readonly rejected: Record<string, number> }> {
    const txs = Array.from({ length: count }, (_, i) => encodeKeyValueTx({ key: `${tag}-${i % 50}`, value: `value-${i}`, nonce: i }));
    const running = this.running;
    const rejected: Record<string, number> = {};
    for (let start = 0, turn = 0; start < txs.length; start += 50, turn++) {
      const result = await submitKeyValueTxs(running[turn % running.length]!, txs.slice(start, start + 50));
      for (const [reason, n] of Object.entries(result.rejected)) rejected[reason] = (rejected[reason] ?? 0) + n;
    }
    return { hashes: txs.map((tx) => toHex(txHash(tx))), rejected };
  }

  /** Waits until every running node reports each transaction committed. */
  async waitCommitted(hashes: readonly string[], timeoutMs = 60_000): Promise<void> {
    for (const node of this.running) {
      await waitFor(
        `${node.memberId} has committed ${hashes.length} txs`,
        async () => {
          for (const hash of hashes) if (!(await node.hasCommittedTx(hash))) return false;
          return true;
        },
        timeoutMs,
        500,
      );
    }
  }

  /** The block hash each running node has at `height` (undefined where it has none). */
  async blockHashesAt(height: number): Promise<(string | undefined)[]> {
    return Promise.all(this.running.map(async (node) => ((await fetchJson(`${node.httpUrl}/v1/blocks/${height}`)) as { hash?: string } | null)?.hash));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill('SIGTERM')));
    if (this.ownsDir && process.env.KEEP_DEVNET === undefined) await rm(this.dir, { recursive: true, force: true });
  }
}
