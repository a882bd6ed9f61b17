import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess, waitUntil } from '../support/node-process.js';
import { writeSingleMemberNode } from '../support/single-member.js';

/**
 * A node process writes JSON lines, and a line logged while consensus works on a height carries
 * that height's trace and span ids (OpenTelemetry's log-correlation fields): from a log line
 * to its trace, and back.
 */

const START_MS = 240_000;
const TEST_MS = 600_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-logs-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly service?: string;
  readonly member?: string;
  readonly height?: number;
  readonly trace_id?: string;
  readonly span_id?: string;
}

describe('JSON logs of a node process', () => {
  it('every line is JSON; a committed block is logged with its height span\'s trace_id and span_id', async () => {
    const dir = await mkdtemp(join(root, 'logs-'));
    await writeSingleMemberNode(dir);
    const node = new NodeProcess(join(dir, 'node.json'));
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
