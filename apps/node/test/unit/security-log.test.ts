import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../src/security/security-event.js';
import { SecurityLog } from '../../src/security/security-log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'security-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (i: number, what = `attempt ${i}`): SecurityEvent => ({
  kind: 'auth_failed',
  timeMs: Date.UTC(2026, 10, 29, 7, 0, i),
  node: 'Orange-FR',
  who: { ip: '203.0.113.1' },
  where: { method: 'GET', route: '/v1/status' },
  what,
  audience: { scope: 'admin' },
});

describe('the security log', () => {
  it('appends one JSON line per event (who, what, when, where) after what the file held, and keeps it private', async () => {
    const file = join(dir, 'nested', 'security.jsonl');
    const first = await SecurityLog.open(file);
    first.append(event(1));
    await first.close();
    // A restart appends; nothing is truncated.
    const second = await SecurityLog.open(file);
    second.append(event(2));
    second.append(event(3));
    await second.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([1, 2, 3].map((i) => ({
      time: `2026-11-29T07:00:0${i}.000Z`,
      kind: 'auth_failed',
      node: 'Orange-FR',
      who: { ip: '203.0.113.1' },
      where: { method: 'GET', route: '/v1/status' },
      what: `attempt ${i}`,
      audience: { scope: 'admin' },
    })));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps lines whole and in order under a burst', async () => {
    const file = join(dir, 'security.jsonl');
    await writeFile(file, '{"earlier":true}\n');
    const log = await SecurityLog.open(file);
    for (let i = 0; i < 500; i += 1) log.append(event(i % 60, `burst ${i}`));
    await log.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(501);
    expect(JSON.parse(lines[0]!)).toEqual({ earlier: true });
    expect(lines.slice(1).map((line) => (JSON.parse(line) as { what: string }).what)).toEqual(Array.from({ length: 500 }, (_, i) => `burst ${i}`));
  });

  it('bounds what waits for the disk: beyond 4 MiB an event is dropped from the file and reported, never queued', async () => {
    const drops: string[] = [];
    const log = await SecurityLog.open(join(dir, 'security.jsonl'), { onDrop: (reason) => drops.push(reason) });
    const appended = 6_000;
    for (let i = 0; i < appended; i += 1) log.append(event(i % 60, 'x'.repeat(1_024)));
    await log.close();
    const written = (await readFile(join(dir, 'security.jsonl'), 'utf8')).trimEnd().split('\n').length;
    expect(drops.length).toBeGreaterThan(0);
    expect(new Set(drops)).toEqual(new Set(['queue_full']));
    expect(written + drops.length).toBe(appended);
  });
});
