import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextTask } from '../../src/test-queue/schedule.js';
import { TEST_TASKS, type TestTask } from '../../src/test-queue/tasks.js';

const task = (name: string, expectedSeconds: number, needsArtifacts: boolean): TestTask => ({ name, dir: '.', command: ['true'], expectedSeconds, needsArtifacts });

describe('the test queue', () => {
  it('starts the longest task that can start: before the artifacts, the longest of those that need none', () => {
    const pending = [task('short', 5, false), task('longest', 400, true), task('long', 150, false)];
    expect(nextTask(pending, false)?.name).toBe('long');
    expect(nextTask(pending, true)?.name).toBe('longest');
  });

  it('has nothing to start while only tasks that wait for the artifacts are left', () => {
    expect(nextTask([task('keys', 100, true)], false)).toBeNull();
    expect(nextTask([], true)).toBeNull();
  });

  it('lists every test target of every package once', async () => {
    const root = resolve(import.meta.dirname, '../../..');
    const expected: string[] = [];
    for (const group of ['libs', 'apps']) {
      for (const name of await readdir(join(root, group))) {
        const manifest = JSON.parse(await readFile(join(root, group, name, 'package.json'), 'utf8').catch(() => '{}')) as { scripts?: Record<string, string> };
        for (const script of Object.keys(manifest.scripts ?? {}).filter((script) => /^test(:e2e|:sim)?$/.test(script))) expected.push(`${group}/${name} ${script}`);
      }
    }
    for (const dir of ['circuits', 'tools']) {
      const manifest = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      for (const script of Object.keys(manifest.scripts).filter((script) => /^test(:e2e|:sim)?$/.test(script))) expected.push(`${dir} ${script}`);
    }
    const listed = TEST_TASKS.filter((entry) => entry.dir !== '.').map((entry) => entry.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(expected.sort());
    // tools/examples runs through Nx, which builds the libraries it imports first.
    expect(TEST_TASKS.some((entry) => entry.command.includes('@consortium/examples'))).toBe(true);
  });
});
