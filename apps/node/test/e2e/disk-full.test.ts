import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/fatal.js';
import { NodeProcess, waitUntil } from '../support/node-process.js';
import { apiTokenFor, writeSingleMemberNode } from '../support/single-member.js';

/**
 * A full disk under a real node process: its data directory on a small tmpfs that the test
 * fills. The node must acknowledge nothing it could not store, stop with the disk-full exit code
 * and say so, and, once there is space again, start and commit every transaction it
 * acknowledged. Mounting needs root (CI runs as root); elsewhere the test is skipped and says why.
 */
const START_MS = 240_000;
const TEST_MS = 600_000;
const DISK_BYTES = 16 * 1024 * 1024;

let root: string;
let disk: string;
let mounted = false;
let whyNotMounted = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-disk-full-'));
  disk = join(root, 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', disk], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    whyNotMounted = (error as Error).message;
  }
});

afterAll(async () => {
  if (mounted) execFileSync('umount', ['-l', disk], { stdio: 'pipe' });
  await rm(root, { recursive: true, force: true });
});

async function post(url: string, token: string, tx: Uint8Array): Promise<number> {
  const response = await fetch(`${url}/v1/txs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ tx: Buffer.from(tx).toString('base64') }),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => null);
  return response?.status ?? 0;
}

describe('a full disk', () => {
  it('stops the node with exit 15 and acknowledges nothing it could not store; with space again it commits everything it acknowledged', async (context) => {
    if (!mounted) context.skip(`cannot mount a tmpfs here (needs root): ${whyNotMounted}`);
    await writeSingleMemberNode(disk);
    const configFile = join(disk, 'node.json');
    const token = await apiTokenFor(configFile, 'operator');
    const first = new NodeProcess(configFile);
    await waitUntil('the node serves its API', () => first.httpUrl() !== null || !first.running, START_MS, () => first.log.slice(-2_000));
    const url = first.httpUrl()!;

    // Leave the node 256 KiB of the disk.
    const { bavail, bsize } = await statfs(disk);
    await writeFile(join(disk, 'filler'), new Uint8Array(Math.max(0, bavail * bsize - 256 * 1024)));

    // Large transactions until the node stops; every 202 is an acknowledgement it must keep.
    const acknowledged: string[] = [];
    const refused = new Map<number, number>();
    for (let i = 0; first.running && i < 2_000; i++) {
      const tx = encodeKeyValueTx({ key: `fill-${i}`, value: 'x'.repeat(8 * 1024), nonce: i });
      const status = await post(url, token, tx);
      if (status === 202) acknowledged.push(toHex(txHash(tx)));
      else refused.set(status, (refused.get(status) ?? 0) + 1);
    }
    const exit = await first.exited;
    console.log(`disk full: ${acknowledged.length} acknowledged, refused ${JSON.stringify(Object.fromEntries(refused))} (0: no answer, the node stopping)`);
    expect(exit.code, first.log.slice(-3_000)).toBe(EXIT_CODES.diskFull);
    expect(first.log).toMatch(/consensus halted: the disk holding .* is full; free space, then restart the node/);
    expect(first.log).not.toContain('uncaught exception');
    // Whatever the API refused while the disk filled, it refused as unavailable (503), never by crashing (500).
    expect([...refused.keys()].filter((status) => status !== 503 && status !== 0)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);

    // Space again: the node starts on the store as it was left and commits every acknowledged tx.
    await rm(join(disk, 'filler'));
    const second = new NodeProcess(configFile);
    try {
      await waitUntil('the node serves its API again', () => second.httpUrl() !== null || !second.running, START_MS, () => second.log.slice(-2_000));
      const again = second.httpUrl()!;
      const committed = async (hash: string) => (await fetch(`${again}/v1/txs/${hash}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })).status === 200;
      await waitUntil(`all ${acknowledged.length} acknowledged transactions committed`, async () => (await Promise.all(acknowledged.map(committed))).every(Boolean), START_MS, () => second.log.slice(-2_000));
    } finally {
      await second.stop();
    }
  }, TEST_MS);
});
