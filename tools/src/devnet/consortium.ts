import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import type { Validator } from './chain-check.js';
import { expectSameChains as expectSameChainsOf, heightProbe, waitForHeight } from './heights.js';
import { createDevnet, NodeProcess, submitKeyValueTxs } from './processes.js';
import { waitReady } from './readiness.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/**
 * A local consortium: a devnet folder and one node process per member. Every wait here polls
 * until a condition holds on every node it names, with a deadline sized for a busy machine, and
 * a timeout says what each node last reported.
 */
export class Consortium {
  private failed = false;

  private constructor(
    readonly dir: string,
    readonly nodes: NodeProcess[],
    private readonly ownsDir: boolean,
  ) {}

  /**
   * Creates a devnet (in `dir`, or a fresh temporary folder) and starts every member's node.
   * If any node fails to start, the others are stopped (and a temporary folder removed) before
   * the error is thrown, so no process outlives a failed start.
   */
  static async start(
    members: number,
    options: {
      readonly dir?: string;
      readonly basePort?: number;
      readonly keysDir?: string;
      /** Runs between writing the devnet and starting its nodes (a benchmark raising the API's rate limits in node.json). */
      readonly beforeStart?: (dir: string, memberIds: readonly string[]) => Promise<void>;
    } = {},
  ): Promise<Consortium> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `consortium-${members}-`)));
    const { memberIds } = await createDevnet(dir, members, options.basePort, options.keysDir === undefined ? {} : { keysDir: options.keysDir });
    await options.beforeStart?.(dir, memberIds);
    const consortium = new Consortium(dir, memberIds.map((id) => new NodeProcess(dir, id)), options.dir === undefined);
    const started = await Promise.allSettled(consortium.nodes.map(async (node) => node.start()));
    const failed = started.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed.length > 0) {
      consortium.markFailed();
      await consortium.stopAll();
      throw failed[0]!.reason;
    }
    return consortium;
  }

  get running(): NodeProcess[] {
    return this.nodes.filter((node) => node.running);
  }

  /** Committed heights of `nodes` (-1 where a node does not answer). */
  async heights(nodes = this.running): Promise<number[]> {
    return Promise.all(nodes.map(async (node) => node.height()));
  }

  /** The members and voting power of this devnet's genesis. */
  async validators(): Promise<Validator[]> {
    const genesis = JSON.parse(await readFile(join(this.dir, 'genesis.json'), 'utf8')) as { members: { id: string; votingPower: number }[] };
    return genesis.members.map((member) => ({ id: member.id, votingPower: member.votingPower }));
  }

  /**
   * A failed test keeps the devnet folder (every node's log and data) for a look afterwards;
   * the Consortium's own waits and checks call this when they fail, tests call it from
   * onTestFailed.
   */
  markFailed(): void {
    this.failed = true;
  }

  /** Runs `work`, marking the consortium failed if it throws. */
  private async tracked<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.markFailed();
      throw error;
    }
  }

  /** Waits until every running node answers /ready with "ready". */
  async waitAllReady(timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<void> {
    await this.tracked(() => waitReady(this.running, timeoutMs));
  }

  /** Waits until every running node is connected to every other member of the devnet. */
  async waitAllConnected(timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<void> {
    const nodes = this.running;
    const others = this.nodes.length - 1;
    await this.tracked(() => waitFor(`${nodes.map((node) => node.memberId).join(', ')} each connected to ${others} members`, async () => {
      const statuses = await Promise.all(nodes.map(async (node) => node.status()));
      return {
        done: statuses.every((status) => status?.connectedMembers.length === others),
        seen: nodes.map((node, i) => `${node.memberId} ${statuses[i] ? `[${statuses[i].connectedMembers.join(', ')}]` : 'not answering'}`).join('; '),
      };
    }, timeoutMs));
  }

  /** Waits until every given node (default: every running one) has committed at least `height`. */
  async waitHeight(height: number, timeoutMs: number = WAIT_DEADLINES_MS.progress, nodes = this.running): Promise<void> {
    await this.tracked(() => waitForHeight(nodes, height, timeoutMs));
  }

  /** Waits until a node's metric (summed over series matching `labels`) satisfies `condition`. */
  async waitMetric(node: NodeProcess, name: string, labels: Record<string, string>, what: string, condition: (value: number) => boolean, timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<number> {
    let value = Number.NaN;
    await this.tracked(() => waitFor(`${node.memberId}'s ${name} ${what}`, async () => {
      value = await node.metric(name, labels).catch(() => Number.NaN);
      return { done: condition(value), seen: Number.isNaN(value) ? 'not answering' : String(value) };
    }, timeoutMs));
    return value;
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

  /**
   * Waits until every running node reports each transaction committed. A committed transaction
   * stays committed, so each poll asks a node only about those it has not reported yet.
   */
  async waitCommitted(hashes: readonly string[], timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<void> {
    const nodes = this.running;
    const pending = new Map(nodes.map((node) => [node, new Set(hashes)]));
    const probe = heightProbe(nodes);
    await this.tracked(() => waitFor(`${nodes.map((node) => node.memberId).join(', ')} each committed ${hashes.length} txs`, async () => {
      await Promise.all(
        nodes.map(async (node) => {
          const left = pending.get(node)!;
          for (const hash of [...left]) {
            if (!(await node.hasCommittedTx(hash))) return; // the rest are likely not committed either: ask next poll
            left.delete(hash);
          }
        }),
      );
      const done = [...pending.values()].every((left) => left.size === 0);
      // Heights too, so a timeout tells a stalled chain from one that commits without these txs.
      const counts = nodes.map((node) => `${node.memberId} ${hashes.length - pending.get(node)!.size}/${hashes.length}`).join(', ');
      return { done, seen: done ? counts : `${counts}; heights ${(await probe()).seen}` };
    }, timeoutMs, 500));
  }

  /** The block hash each running node has at `height` (undefined where it has none). */
  async blockHashesAt(height: number): Promise<(string | undefined)[]> {
    return Promise.all(this.running.map(async (node) => (await node.block(height))?.hash));
  }

  /**
   * The end of every consortium test: waits until every running node reaches a common height
   * h, then checks heights 1..h are the same chain on all of them (ChainMismatchError otherwise,
   * naming the height, nodes and hashes). Returns h.
   */
  async expectSameChains(timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<number> {
    const validators = await this.validators();
    return this.tracked(() => expectSameChainsOf(this.running, validators, timeoutMs));
  }

  /** Stops every node; removes a temporary devnet folder unless a test failed (or KEEP_DEVNET is set), then says where it is. */
  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map(async (node) => node.kill('SIGTERM')));
    if (!this.ownsDir) return;
    if (this.failed || process.env.KEEP_DEVNET !== undefined) {
      console.error(`devnet kept for a look at its logs and data: ${this.dir} (each member's node.log)`);
      return;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
