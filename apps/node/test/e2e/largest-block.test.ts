import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS, encodeKeyValueTx, maxLegalBlockMaxBytes, type ConsensusParams } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConsortium, type ConsortiumFiles } from '../support/consortium-files.js';
import { apiTokenFor } from '../support/single-member.js';
import { NodeProcess, waitUntil } from '../support/node-process.js';

/**
 * The largest block genesis allows, end to end, in four real node processes over libp2p on
 * loopback with their LevelDB stores: a proposer fills it from its mempool, gossips it as one
 * consensus frame, every validator writes it to its WAL, checks it and stores it, and a member
 * that was down the whole time fetches it by block sync. Every size on that path comes from the
 * one limits table; a mismatch anywhere stalls the chain or halts a node, and this test fails.
 */

const BLOCK_MAX_TXS = 4096;
const PARAMS: ConsensusParams = {
  ...DEFAULT_CONSENSUS_PARAMS,
  // The largest blockMaxBytes whose frames still cross a transport frame (limits.ts).
  blockMaxBytes: maxLegalBlockMaxBytes(BLOCK_MAX_TXS),
  blockMaxTxs: BLOCK_MAX_TXS,
  txMaxBytes: 64 * 1024,
  // Checking a 32 MiB proposal takes seconds on a busy two-core machine.
  timeoutProposeMs: 20_000,
  timeoutProposeDeltaMs: 5_000,
  timeoutPrevoteMs: 5_000,
  timeoutPrecommitMs: 5_000,
  timeoutCommitMs: 100,
};
/** The key-value application's largest value: transactions of about 16 KiB. */
const VALUE_BYTES = 16 * 1024;
/** Mempools hold 1.3 blocks' worth, so a block taken while others wait is still full. */
const TX_COUNT = Math.ceil((1.3 * PARAMS.blockMaxBytes) / VALUE_BYTES);
const BATCH_TXS = 300;

let dir: string;
let consortium: ConsortiumFiles;
const nodes = new Map<string, NodeProcess>();

/** Each node's admin token (the consortium writes one set per member). */
const tokens = new Map<NodeProcess, string>();
const authorization = (node: NodeProcess) => ({ authorization: `Bearer ${tokens.get(node)!}` });

async function get(node: NodeProcess, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${node.httpUrl()!}${path}`, { headers: authorization(node), signal: AbortSignal.timeout(30_000) });
  return { status: response.status, body: await response.json() };
}

async function committedHeight(node: NodeProcess): Promise<number> {
  const { body } = await get(node, '/v1/status').catch(() => ({ body: null }));
  return (body as { consensus?: { committedHeight: number } } | null)?.consensus?.committedHeight ?? -1;
}

async function metric(node: NodeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.httpUrl()!}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function start(memberId: string): Promise<NodeProcess> {
  const node = new NodeProcess(consortium.configFile(memberId));
  nodes.set(memberId, node);
  tokens.set(node, await apiTokenFor(consortium.configFile(memberId), 'admin'));
  // Minutes, not seconds, on a machine shared by many builds.
  await waitUntil(`${memberId} serves its API`, () => node.httpUrl() !== null || !node.running, 300_000, () => node.log.slice(-2_000));
  expect(node.running, node.log.slice(-4_000)).toBe(true);
  return node;
}

async function submit(node: NodeProcess, txs: readonly Uint8Array[]): Promise<void> {
  for (let i = 0; i < txs.length; i += BATCH_TXS) {
    const response = await fetch(`${node.httpUrl()!}/v1/txs/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization(node) },
      body: JSON.stringify({ txs: txs.slice(i, i + BATCH_TXS).map((tx) => Buffer.from(tx).toString('base64')) }),
      signal: AbortSignal.timeout(120_000),
    });
    const result = (await response.json()) as { accepted: number; rejected: Record<string, number> };
    // A copy gossiped by the other node may have arrived first: refused as a duplicate here.
    expect(result.accepted + (result.rejected.duplicate ?? 0)).toBe(Math.min(BATCH_TXS, txs.length - i));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'largest-block-'));
  consortium = await writeConsortium(dir, 4, PARAMS, { snapshotIntervalBlocks: 1_000 });
});

afterAll(async () => {
  await Promise.all([...nodes.values()].map((node) => node.stop()));
  await rm(dir, { recursive: true, force: true });
}, 300_000);

describe('the largest legal block', () => {
  it('is proposed, gossiped, written to the WAL, stored, and block-synced by a member that was down', async () => {
    const [m0, m1, m2, m3] = consortium.memberIds as [string, string, string, string];
    // Two of four validators: no quorum, so nothing is decided while the mempools fill. They are
    // the proposers of heights 1 and 2 (round-robin in genesis order, (height + round) mod 4):
    // a proposal made before the transactions came is empty, the next one is full. (Had a member
    // that started later been the first proposer after height 1, it would have proposed without
    // them, and the chain would have waited for timeouts: a node does not yet send its mempool to
    // a peer that connects later.)
    const first = await start(m1);
    const second = await start(m2);
    const txs = Array.from({ length: TX_COUNT }, (_, i) => encodeKeyValueTx({ key: `big-${i}`, value: String(i % 10).repeat(VALUE_BYTES), nonce: i }));
    const txBytes = txs[0]!.byteLength;
    await submit(first, txs);
    await submit(second, txs);

    // A third validator: a quorum. Whoever proposes with a full mempool fills a block.
    const third = await start(m3);
    let fullHeight = 0;
    await waitUntil(
      'a block holding blockMaxBytes of transactions (within one transaction)',
      async () => {
        const height = await committedHeight(first);
        for (let h = Math.max(1, fullHeight + 1); h <= height; h++) {
          const { body } = await get(first, `/v1/blocks/${h}`);
          const count = (body as { txs: string[] }).txs.length;
          if (count * txBytes > PARAMS.blockMaxBytes - txBytes) return ((fullHeight = h), true);
        }
        return false;
      },
      600_000,
      () => `height ${fullHeight}; m0 log: ${first.log.slice(-1_500)}`,
    );

    // The fourth validator was down all along: it fetches the big block by block sync.
    const fourth = await start(m0);
    await waitUntil(`${m0} synced past height ${fullHeight}`, async () => (await committedHeight(fourth)) >= fullHeight, 600_000, () => fourth.log.slice(-2_000));
    const hashes = await Promise.all([first, second, third, fourth].map(async (node) => ((await get(node, `/v1/blocks/${fullHeight}`)).body as { hash: string }).hash));
    expect(new Set(hashes).size).toBe(1);
    expect(await metric(fourth, 'consortium_consensus_synced_blocks_total')).toBeGreaterThanOrEqual(1);
    for (const node of [first, second, third, fourth]) {
      expect(node.running).toBe(true);
      expect(await metric(node, 'consortium_consensus_fatal_errors_total')).toBe(0);
    }
  }, 2_400_000);
});
