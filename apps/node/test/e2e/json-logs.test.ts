import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiTokensFileOf, issueApiToken, loadApiTokens } from '@consortium/node-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess, waitUntil } from '../support/node-process.js';
import { apiTokenFor, writeSingleMemberNode } from '../support/single-member.js';

/**
 * A node process writes JSON lines, and a line logged while consensus works on a height carries
 * that height's trace and span ids (OpenTelemetry's log-correlation fields): from a log line
 * to its trace, and back. The same process first takes a SIGHUP (reload the API tokens file):
 * one process start for both, CI's time being what it is.
 */

const START_MS = 240_000;
const TEST_MS = 600_000;

let root: string;
let dir: string;
let node: NodeProcess;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-logs-'));
  dir = await mkdtemp(join(root, 'logs-'));
  await writeSingleMemberNode(dir);
  node = new NodeProcess(join(dir, 'node.json'));
  await waitUntil('the node serves its API', () => node.httpUrl() !== null || !node.running, START_MS, () => node.log.slice(-2_000));
}, TEST_MS);
afterAll(async () => {
  await node?.stop();
  await rm(root, { recursive: true, force: true });
});

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly service?: string;
  readonly member?: string;
  readonly height?: number;
  readonly trace_id?: string;
  readonly span_id?: string;
}

const logLines = () =>
  node.log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine & Record<string, unknown>);

describe('SIGHUP to a node process', () => {
  it('reloads the API tokens file: a removed token gets 401, an added one is let in, and the log counts the change without a token', async () => {
    expect(node.running).toBe(true);
    const url = node.httpUrl()!;
    const status = async (token: string) => (await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) })).status;
    const observer = await apiTokenFor(join(dir, 'node.json'), 'observer');
    expect(await status(observer)).toBe(200);
    // The observer's token is revoked, a new client comes.
    const tokensFile = join(dir, 'api-tokens.json');
    const added = issueApiToken({ client: 'prometheus', role: 'observer' });
    const kept = (await loadApiTokens(tokensFile)).filter((record) => record.role !== 'observer');
    await writeFile(tokensFile, JSON.stringify(apiTokensFileOf([...kept, added.record])));
    await chmod(tokensFile, 0o600);
    expect(await status(added.token)).toBe(401);

    node.signal('SIGHUP');
    await waitUntil('the reload logged', () => logLines().some((line) => line.msg === 'API tokens reloaded') || !node.running, START_MS, () => node.log.slice(-2_000));
    expect(node.running).toBe(true);
    expect(logLines().find((line) => line.msg === 'API tokens reloaded')).toMatchObject({ added: 1, removed: 1, changed: 0, addedClients: ['prometheus'], removedClients: ['Orange-FR-observer'] });
    expect(await status(observer)).toBe(401);
    expect(await status(added.token)).toBe(200);
    for (const secret of [observer, added.token, added.record.sha256]) expect(node.log).not.toContain(secret);
  }, TEST_MS);
});

describe('JSON logs of a node process', () => {
  it('every line is JSON; a committed block is logged with its height span\'s trace_id and span_id', async () => {
    const committed = () =>
      node.log
        .split('\n')
        .filter((line) => line.includes('"msg":"committed block"'))
        .map((line) => JSON.parse(line) as LogLine);
    try {
      await waitUntil('three blocks logged', () => committed().length >= 3 || !node.running, START_MS, () => node.log.slice(-2_000));
    } finally {
      await node.stop();
    }
    // Node's own process warnings (on stderr) aside, every line is the node's JSON.
    const lines = node.log.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('(node:') && !line.startsWith('(Use `node'));
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const blocks = committed().slice(0, 3);
    for (const block of blocks) {
      expect(block).toMatchObject({ level: 'info', service: 'consortium-node', member: 'Orange-FR' });
      expect(block.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(block.trace_id).not.toMatch(/^0+$/);
      expect(block.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // Each height is its own trace.
    expect(new Set(blocks.map((block) => block.trace_id)).size).toBe(blocks.length);
  }, TEST_MS);
});
