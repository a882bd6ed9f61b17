import { DEFAULT_CONSENSUS_PARAMS, encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/node-process.js';
import { NODE_START_MS, ProcessConsortium } from '../support/process-consortium.js';

/**
 * SIGTERM to a validator of a four-member consortium of node processes while clients keep
 * submitting: it stops cleanly (exit 0, its store closed at the height it had committed), comes
 * back on the same data, keeps every block it had committed, catches up, and the chain goes on.
 */

const START_MS = NODE_START_MS;
const TEST_MS = 900_000;
const MEMBERS = 4;
const BATCH = 40;

/** Clients submitting batches to the given nodes, one request at a time, until stopped. */
class Load {
  readonly accepted: string[] = [];
  private running = true;
  private readonly done: Promise<void>;
  private nonce = 0;

  constructor(urls: () => readonly string[]) {
    this.done = (async () => {
      for (let round = 0; this.running; round++) {
        const targets = urls();
        const url = targets[round % targets.length]!;
        const txs = Array.from({ length: BATCH }, () => encodeKeyValueTx({ key: `load-${this.nonce % 64}`, value: 'v', nonce: this.nonce++ }));
        const response = await fetch(`${url}/v1/txs/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await consortium.authorization(url, 'operator')) },
          body: JSON.stringify({ txs: txs.map((tx) => Buffer.from(tx).toString('base64')) }),
          signal: AbortSignal.timeout(30_000),
        }).catch(() => null);
        if (response?.status === 200 && ((await response.json()) as { accepted: number }).accepted === BATCH) this.accepted.push(...txs.map((tx) => toHex(txHash(tx))));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

let consortium: ProcessConsortium;

beforeAll(async () => {
  consortium = await ProcessConsortium.start('graceful-', MEMBERS, { ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 100, emptyBlocksIntervalMs: 2_000 });
}, TEST_MS);

afterAll(async () => consortium.stop());

const committedHeight = (url: string) => consortium.committedHeight(url);
const blockAt = (url: string, height: number) => consortium.block(url, height);

describe('graceful shutdown of a node process', () => {
  it('SIGTERM mid-load: exit 0 with the store closed; on restart no committed block or transaction is lost and the chain goes on', async () => {
    const victimIndex = MEMBERS - 1;
    const victim = consortium.nodes[victimIndex]!;
    const victimUrl = victim.httpUrl()!;
    const others = consortium.nodes.filter((node) => node !== victim).map((node) => node.httpUrl()!);
    const load = new Load(() => others);
    try {
      // Blocks with transactions are being committed when the signal comes.
      await waitUntil('the victim committed blocks with transactions', async () => {
        const height = await committedHeight(victimUrl);
        return height >= 5 && load.accepted.length >= 4 * BATCH;
      }, START_MS, () => victim.log.slice(-2_000));

      await victim.stop();
      expect(await victim.exited).toEqual({ code: 0, signal: null });
      const stoppedAt = /"height":(\d+)[^\n]*"msg":"node stopped: store closed"/.exec(victim.log);
      expect(stoppedAt).not.toBeNull();
      const heightAtStop = Number(stoppedAt![1]);
      expect(victim.log).toContain('"msg":"stopped cleanly"');
      // Nothing went wrong while stopping: no error or fatal line after the stop began.
      expect(victim.log.slice(victim.log.indexOf('node stopping: intake closed'))).not.toMatch(/"level":"(error|fatal)"/);

      // The others go on without it; it comes back on the same data dir.
      await waitUntil('the others go on', async () => (await committedHeight(others[0]!)) > heightAtStop + 2, START_MS);
      const restarted = await consortium.restart(victimIndex);
      const restartedUrl = restarted.httpUrl()!;
      // Everything it had committed is still there, as the others have it.
      expect(await committedHeight(restartedUrl)).toBeGreaterThanOrEqual(heightAtStop);
      for (let height = 1; height <= heightAtStop; height++) {
        expect((await blockAt(restartedUrl, height)).hash).toBe((await blockAt(others[0]!, height)).hash);
      }
      // It catches up and takes part again: the chain grows past where the others were.
      const target = (await committedHeight(others[0]!)) + 2;
      await waitUntil('the restarted node catches up and the chain goes on', async () => (await committedHeight(restartedUrl)) >= target, START_MS, () => restarted.log.slice(-2_000));
    } finally {
      await load.stop();
    }
    // Every transaction a client got accepted is committed, on every node alike, the restarted one
    // included. Acceptance order is not commit order: a batch another node accepted waits in
    // its mempool until it reaches the proposer (or that node proposes), so the wait is for all
    // of them, not for the last one.
    const urls = consortium.urls();
    const reference = new Set<string>();
    let scannedHeight = 0;
    const missing = () => load.accepted.filter((hash) => !reference.has(hash));
    await waitUntil('every accepted transaction committed', async () => {
      const height = await committedHeight(urls[0]!);
      while (scannedHeight < height) for (const hash of (await blockAt(urls[0]!, ++scannedHeight)).txs) reference.add(hash);
      return missing().length === 0;
    }, START_MS, () => `${missing().length} of ${load.accepted.length} not in blocks 1-${scannedHeight} at ${urls[0]}, first ${missing()[0]}`);
    for (const url of urls) await waitUntil(`height ${scannedHeight} committed at ${url}`, async () => (await committedHeight(url)) >= scannedHeight, START_MS);
    const committedOn = async (url: string) => {
      const hashes = new Set<string>();
      for (let height = 1; height <= scannedHeight; height++) for (const hash of (await blockAt(url, height)).txs) hashes.add(hash);
      return hashes;
    };
    for (const url of urls.slice(1)) expect(await committedOn(url)).toEqual(reference);
  }, TEST_MS);
});
