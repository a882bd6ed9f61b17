// `npm run test:all`'s second phase: every test target of tools/src/test-queue/tasks.ts, `--slots`
// at a time (one per core), the longest that can start first. Usage:
//   tools/src/test-queue/cli.ts --results <dir> --artifacts-ready <file> --artifacts-failed <file> [--slots 2]
// Each task's output goes to <dir>/task-<name>.log and is printed whole when it ends (two suites'
// lines never interleave). Exits 1 when any task failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { nextTask } from './schedule.js';
import { TEST_TASKS, type TestTask } from './tasks.js';

const { values } = parseArgs({
  options: {
    results: { type: 'string' },
    'artifacts-ready': { type: 'string' },
    'artifacts-failed': { type: 'string' },
    slots: { type: 'string', default: '2' },
  },
});
if (values.results === undefined || values['artifacts-ready'] === undefined || values['artifacts-failed'] === undefined) {
  throw new Error('usage: test-queue --results <dir> --artifacts-ready <file> --artifacts-failed <file> [--slots 2]');
}
const resultsDir = values.results;
const readyFile = values['artifacts-ready'];
const failedFile = values['artifacts-failed'];
const slots = Number(values.slots);
const repositoryRoot = resolve(import.meta.dirname, '../../..');
const ARTIFACTS_POLL_MS = 500;

const logFileOf = (task: TestTask) => join(resultsDir, `task-${task.name.split(' ').slice(0, 2).join('-').replace(/[^A-Za-z0-9:-]+/g, '-')}.log`);

/** Runs one task to its end, its output in its log file; true when it exited 0. */
async function run(task: TestTask): Promise<boolean> {
  const log = await open(logFileOf(task), 'w');
  const started = Date.now();
  const code = await new Promise<number | null>((done) => {
    const child = spawn(task.command[0]!, task.command.slice(1), { cwd: join(repositoryRoot, task.dir), stdio: ['ignore', log.fd, log.fd] });
    child.once('error', (error) => {
      void log.write(`could not start ${task.command.join(' ')}: ${error.message}\n`);
      done(null);
    });
    child.once('close', (exitCode) => done(exitCode));
  });
  await log.close();
  const seconds = Math.round((Date.now() - started) / 1000);
  const ok = code === 0;
  process.stdout.write(`\n== ${ok ? 'ok  ' : 'FAIL'} ${task.name} (${seconds} s, expected ${task.expectedSeconds} s)\n`);
  process.stdout.write(await readFile(logFileOf(task), 'utf8'));
  return ok;
}

const pending = [...TEST_TASKS];
const failed: string[] = [];
let running = 0;
await new Promise<void>((allDone) => {
  const fill = async (): Promise<void> => {
    while (running < slots && pending.length > 0) {
      const task = nextTask(pending, existsSync(readyFile) || existsSync(failedFile));
      if (task === null) {
        // Only tasks that wait for the artifacts are left: look again shortly.
        await sleep(ARTIFACTS_POLL_MS);
        continue;
      }
      pending.splice(pending.indexOf(task), 1);
      running += 1;
      void run(task).then((ok) => {
        if (!ok) failed.push(task.name);
        running -= 1;
        if (pending.length === 0 && running === 0) allDone();
        else void fill();
      });
    }
  };
  void fill();
});
if (failed.length > 0) {
  process.stdout.write(`\n== failed tasks: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
