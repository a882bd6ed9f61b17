import { encodeKeyValueTx } from '@consortium/consensus';
import type { NodeProcess } from '../devnet/processes.js';

/**
 * Steady transaction load on a devnet while faults are injected: fresh key-value transactions at
 * a fixed rate, one POST /v1/txs each, spread over the nodes that run. What the API acknowledged
 * (202 with the hash) is recorded: after the faults every one of them must be committed exactly
 * once. Refusals (a full mempool, 429, 503 while a node starts) and unreachable nodes are
 * counted, not retried: the client was told no, so nothing was promised.
 */

export interface LoadOptions {
  readonly txPerSecond: number;
  /** Distinguishes this run's transactions from any other's. */
  readonly tag: string;
  /** Requests in flight at most (a node that hangs must not pile up requests). */
  readonly maxInFlight?: number;
  /** Per request; a request that takes longer counts as unreachable. */
  readonly requestTimeoutMs?: number;
}

export interface LoadFigures {
  readonly sent: number;
  readonly acknowledged: number;
  /** Refusals by HTTP status, and `unreachable`. */
  readonly refused: Readonly<Record<string, number>>;
  /** Acknowledged transactions in each whole second since the start. */
  readonly ackedPerSecond: readonly number[];
}

const TICK_MS = 100;

export class SteadyLoad {
  /** Hash (hex) → the member whose API acknowledged it. */
  readonly acknowledged = new Map<string, string>();
  private readonly refused: Record<string, number> = {};
  private readonly ackedPerSecond: number[] = [];
  private sent = 0;
  private inFlight = 0;
  private nonce = 0;
  private turn = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedAtMs = 0;
  private readonly requests = new Set<Promise<void>>();
  private readonly authorizations = new Map<string, Record<string, string>>();

  constructor(
    /** The nodes to send to now (the running ones). */
    private readonly targets: () => readonly NodeProcess[],
    private readonly options: LoadOptions,
  ) {
    if (!(options.txPerSecond > 0)) throw new RangeError(`txPerSecond must be positive, got ${options.txPerSecond}`);
  }

  start(): void {
    if (this.timer !== null) return;
    this.startedAtMs = Date.now();
    let owed = 0;
    this.timer = setInterval(() => {
      owed += (this.options.txPerSecond * TICK_MS) / 1_000;
      for (; owed >= 1; owed -= 1) this.sendOne();
    }, TICK_MS);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<LoadFigures> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.requests]);
    return this.figures();
  }

  figures(): LoadFigures {
    return { sent: this.sent, acknowledged: this.acknowledged.size, refused: { ...this.refused }, ackedPerSecond: [...this.ackedPerSecond] };
  }

  private sendOne(): void {
    const targets = this.targets();
    if (targets.length === 0) return;
    if (this.inFlight >= (this.options.maxInFlight ?? 64)) {
      this.count('backlog');
      return;
    }
    const node = targets[this.turn++ % targets.length]!;
    const nonce = this.nonce++;
    const tx = encodeKeyValueTx({ key: `${this.options.tag}-${nonce % 64}`, value: `v${nonce}`, nonce });
    this.sent += 1;
    this.inFlight += 1;
    const request = this.submit(node, tx).finally(() => {
      this.inFlight -= 1;
      this.requests.delete(request);
    });
    this.requests.add(request);
  }

  private async submit(node: NodeProcess, tx: Uint8Array): Promise<void> {
    try {
      let headers = this.authorizations.get(node.memberId);
      if (headers === undefined) {
        headers = { 'content-type': 'application/json', ...(await node.authorization('operator')) };
        this.authorizations.set(node.memberId, headers);
      }
      const response = await fetch(`${node.httpUrl}/v1/txs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ tx: Buffer.from(tx).toString('base64') }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      const body = (await response.json().catch(() => null)) as { hash?: string } | null;
      if (response.status === 202 && typeof body?.hash === 'string') {
        this.acknowledged.set(body.hash, node.memberId);
        const second = Math.floor((Date.now() - this.startedAtMs) / 1_000);
        while (this.ackedPerSecond.length <= second) this.ackedPerSecond.push(0);
        this.ackedPerSecond[second]! += 1;
      } else {
        this.count(String(response.status));
      }
    } catch {
      this.count('unreachable');
    }
  }

  private count(reason: string): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
  }
}
