import { DEFAULT_CONSENSUS_PARAMS, encodeKeyValueTx, toHex, txHash, type ConsensusParams } from '@consortium/consensus';
import { randomBytes } from 'node:crypto';
import { findPageLabelViolations, findUncataloguedMetrics, listCataloguedMetrics, parsePageSeries } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/node-process.js';
import { NODE_START_MS, ProcessConsortium } from '../support/process-consortium.js';

/**
 * An idle chain of four real node processes (libp2p on loopback, LevelDB): it makes one empty
 * block per emptyBlocksIntervalMs, not one per commit pause, and a transaction submitted to a
 * member that does not propose next is committed without waiting for the interval. Every
 * timing claim is read from the block times the chain recorded, never from a sleep.
 */

const INTERVAL_MS = 8_000;
/** A round that changes on a busy machine (timeoutPropose 1 s and more) on top of the interval. */
const SLACK_MS = 15_000;
const START_MS = NODE_START_MS;
const TEST_MS = 600_000;
const MEMBERS = 4;
const PARAMS: ConsensusParams = { ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 100, emptyBlocksIntervalMs: INTERVAL_MS };

let consortium: ProcessConsortium;
let urls: string[] = [];

beforeAll(async () => {
  consortium = await ProcessConsortium.start('empty-blocks-', MEMBERS, PARAMS);
  urls = consortium.urls();
}, TEST_MS);

afterAll(async () => consortium.stop());

const getJson = <T>(url: string) => consortium.getJson<T>(url);
const committedHeight = (url: string) => consortium.committedHeight(url);
const block = (url: string, height: number) => consortium.block(url, height);

function metricValue(page: string, series: string): number {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe('empty blocks on a consortium of node processes', () => {
  it('an idle chain makes one empty block per interval, and its last block time keeps moving', async () => {
    const [url] = urls as [string];
    // Height 1 comes at once (nothing certified the genesis state); three empty blocks follow.
    await waitUntil('four blocks committed', async () => (await committedHeight(url)) >= 4, START_MS + 4 * (INTERVAL_MS + SLACK_MS), () => consortium.nodes[0]!.log.slice(-2_000));
    const blocks = await Promise.all([1, 2, 3, 4].map((height) => block(url, height)));
    for (const [previous, next] of blocks.slice(0, -1).map((b, i) => [b, blocks[i + 1]!] as const)) {
      expect(next.txs).toEqual([]);
      const gapMs = next.timeMs - previous.timeMs;
      // Not one block per commit pause (100 ms), nor a chain that stopped.
      expect(gapMs).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(gapMs).toBeLessThan(INTERVAL_MS + SLACK_MS);
    }
    const page = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    // Each of the three waits ended once (on this machine's one clock, mostly by the interval).
    const waits = ['txs', 'interval', 'proposal', 'peers'].map((until) => metricValue(page, `consortium_consensus_wait_for_txs_seconds_count{until="${until}"}`) || 0);
    expect(waits.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(3);
    expect(metricValue(page, 'consortium_consensus_last_block_time_seconds')).toBeGreaterThanOrEqual(blocks[3]!.timeMs / 1000);
    expect(metricValue(page, 'consortium_consensus_empty_blocks_interval_seconds')).toBe(INTERVAL_MS / 1000);
  }, TEST_MS);

  it('a transaction sent to a member that does not propose next is committed without waiting for the interval, then one block certifies its state', async () => {
    // While the chain waits, status.height is the last decided height; the next one's round 0
    // proposer follows from genesis order (validators.ts).
    const status = (await getJson<{ consensus: { committedHeight: number; waitingForTxs: boolean } }>(`${urls[0]!}/v1/status`)).body.consensus;
    const nextProposer = consortium.files.genesis.members[(status.committedHeight + 1) % MEMBERS]!.id;
    const target = consortium.files.memberIds.findIndex((id) => id !== nextProposer);
    const tx = encodeKeyValueTx({ key: 'empty-blocks', value: 'prompt', nonce: Date.now() });
    const response = await fetch(`${urls[target]!}/v1/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await consortium.authorization(urls[target]!, 'operator')) },
      body: JSON.stringify({ tx: Buffer.from(tx).toString('base64') }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(202);
    const hash = toHex(txHash(tx));
    let height = 0;
    for (const url of urls) {
      await waitUntil(`the transaction committed at ${url}`, async () => {
        const found = await getJson<{ height: number }>(`${url}/v1/txs/${hash}`);
        if (found.status === 200) height = found.body.height;
        return found.status === 200;
      }, INTERVAL_MS + SLACK_MS);
    }
    const [before, withTx] = await Promise.all([block(urls[0]!, height - 1), block(urls[0]!, height)]);
    expect(withTx.txs).toEqual([hash]);
    // Dated within the interval after the block before it: it did not wait for an empty-block slot.
    expect(withTx.timeMs - before.timeMs).toBeLessThan(INTERVAL_MS);
    // The block after it carries the state hash the transaction made, without waiting either.
    await waitUntil('the next block', async () => (await committedHeight(urls[0]!)) > height, INTERVAL_MS + SLACK_MS);
    const proof = await block(urls[0]!, height + 1);
    expect(proof.txs).toEqual([]);
    expect(proof.timeMs - withTx.timeMs).toBeLessThan(INTERVAL_MS);
  }, TEST_MS);
});

/**
 * The catalogue, whole and bounded, on every member. These processes share the devnet above
 * (CI time is tight): a metric test of its own would start four more.
 */
describe('/metrics of every node process', () => {
  const metricsPage = async (url: string) => (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();

  it('carries every catalogued family and nothing else, its member labels from genesis only', async () => {
    const families = listCataloguedMetrics().map(({ definition }) => definition.name);
    for (const url of urls) {
      const page = await metricsPage(url);
      const typed = new Set([...page.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
      expect(families.filter((name) => !typed.has(name)), `families missing at ${url}`).toEqual([]);
      expect(findUncataloguedMetrics(page)).toEqual([]);
      expect(findPageLabelViolations(page, { memberIds: consortium.files.memberIds })).toEqual([]);
    }
  });

  it('labels requests by route pattern: a raw path, matched or not, adds no series of its own', async () => {
    const [url] = urls as [string];
    const token = `probe${randomBytes(8).toString('hex')}`;
    const headers = await consortium.authorization(url);
    const paths = [`/v1/blocks/${token}`, `/v1/txs/${token}`, `/v1/statements/${token}`, `/${token}`, `/v1/${token}?${token}=1`];
    for (const path of paths) {
      for (const auth of [headers, {}]) await (await fetch(`${url}${path}`, { headers: auth, signal: AbortSignal.timeout(10_000) })).arrayBuffer();
    }
    const page = await metricsPage(url);
    expect(page).not.toContain(token);
    const routes = new Set(parsePageSeries(page).flatMap((series) => (series.labels.route === undefined ? [] : [series.labels.route])));
    expect(routes).toContain('/v1/blocks/:height');
    expect(routes).toContain('unmatched');
    for (const route of routes) expect(route === 'unmatched' || /^\/[a-z0-9/:_.-]*$/i.test(route), route).toBe(true);
  });
});
