import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/fatal.js';
import { NodeProcess, waitUntil } from '../support/node-process.js';
import { writeSingleMemberNode } from '../support/single-member.js';

/**
 * What an operator sees when a node cannot start: a real `consortium-node` process, a real
 * LevelDB lock held by another node process, real damaged LevelDB files, real busy ports. Each
 * case exits with its own code (README's table) and prints what to do next.
 */

const START_MS = 240_000;
const TEST_MS = 600_000;

let root: string;
let blocker: Server;
let busyPort: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-start-errors-'));
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

/** A single-member node's folder with node.json changed by `edit`; returns the node.json path. */
async function nodeJson(name: string, edit: (json: Record<string, unknown>) => void = () => {}, proof = {}): Promise<string> {
  const dir = await mkdtemp(join(root, `${name}-`));
  await writeSingleMemberNode(dir, proof);
  const file = join(dir, 'node.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(file, JSON.stringify(json));
  return file;
}

/** Runs a node that must fail to start; returns its exit code and output. */
async function failedStart(configFile: string): Promise<{ code: number | null; log: string }> {
  const node = new NodeProcess(configFile);
  const { code } = await node.exited;
  return { code, log: node.log };
}

describe('a node that cannot start says why and exits with its code', () => {
  it('a bad node.json: exit 10, every problem with its field', async () => {
    const { code, log } = await failedStart(await nodeJson('config', (json) => {
      json.http = { host: '127.0.0.1', port: 'eighty' };
      delete json.memberId;
    }));
    expect(code).toBe(EXIT_CODES.badConfig);
    expect(log).toContain('NodeConfigError');
    expect(log).toContain('http.port');
    expect(log).toContain('memberId');
    expect(log).toContain('Fix the configuration');
  }, TEST_MS);

  it('a data dir another node process runs on: exit 11; damaged LevelDB files: exit 12', async () => {
    const configFile = await nodeJson('locked');
    const first = new NodeProcess(configFile);
    try {
      await waitUntil('the first node serves its API', () => first.httpUrl() !== null || !first.running, START_MS, () => first.log.slice(-2_000));
      expect(first.running).toBe(true);
      const second = await failedStart(configFile);
      expect(second.code).toBe(EXIT_CODES.dataDirLocked);
      expect(second.log).toContain('StoreLockedError');
      expect(second.log).toContain('Another process holds');
      expect(second.log).toContain('stop the other node running on this data directory');
      expect(first.running).toBe(true);
    } finally {
      await first.stop();
    }
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const chainDir = join(configFile, '..', 'data', 'chain');
    for (const file of await readdir(chainDir)) if (file.startsWith('MANIFEST-')) await writeFile(join(chainDir, file), 'not a LevelDB manifest');
    const damaged = await failedStart(configFile);
    expect(damaged.code).toBe(EXIT_CODES.dataDirDamaged);
    expect(damaged.log).toContain('StoreDamagedError');
    expect(damaged.log).toContain('consortium-node resync --config');
  }, TEST_MS);

  it('a p2p address in use: exit 13, naming the address and the field', async () => {
    const { code, log } = await failedStart(await nodeJson('p2p-port', (json) => {
      json.p2p = { listen: [`/ip4/127.0.0.1/tcp/${busyPort}`], peers: {} };
    }));
    expect(code).toBe(EXIT_CODES.portInUse);
    expect(log).toContain(`PortInUseError: the p2p address /ip4/127.0.0.1/tcp/${busyPort} is in use by another process`);
    expect(log).toContain('change p2p.listen in node.json');
  }, TEST_MS);

  it('an HTTP port in use: exit 13, naming the address and the field', async () => {
    const { code, log } = await failedStart(await nodeJson('http-port', (json) => {
      json.http = { host: '127.0.0.1', port: busyPort };
    }));
    expect(code).toBe(EXIT_CODES.portInUse);
    expect(log).toContain(`PortInUseError: the http address 127.0.0.1:${busyPort} is in use by another process`);
    expect(log).toContain('change http.host / http.port in node.json');
  }, TEST_MS);

  it('keys that do not match what genesis pins: exit 14', async () => {
    const keysDir = join(root, 'empty-keys');
    await mkdir(keysDir, { recursive: true });
    const pins = { artifacts: { 'epoch-1/settlement-4.zkey': '0'.repeat(64) }, trustedSetup: { kind: 'demo' as const, transcriptSha256: null }, network: 'devnet' as const };
    const { code, log } = await failedStart(await nodeJson('keys', () => {}, { ...pins, keysDir }));
    expect(code).toBe(EXIT_CODES.artifactsMismatch);
    expect(log).toContain('does not match what genesis pins');
  }, TEST_MS);
});
