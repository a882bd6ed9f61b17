// `npm start`'s time to a working consortium, as the issue states its goal: from `npm ci` done on
// a clean clone (no circuit build, no keys, no devnet) to every member committing blocks, and a
// later run (keys and chain reused). Then what snarkjs's preparePhase2 would have spent on the same
// phase-1 file, the step the demo ceremony no longer runs whole. Prints figures, asserts nothing.
//   BENCH_START_CIRCUITS  the devnet's circuits (default: the launcher's, settlement-61)
//   BENCH_START_MEMBERS   members (default 5)
// The first run removes this clone's build of those circuits (build/circuits/<name>), as on a
// clean clone; the devnet and its keys go to a temporary folder, removed at the end.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BUILD_ROOT } from '@consortium/circuits';
import * as snarkjs from 'snarkjs';
import { startLauncherProcess, waitForEndpoints } from '../src/devnet/launcher-process.js';
import { DEFAULT_DEVNET_CIRCUITS } from '../src/launcher/options.js';
import { formatElapsed } from '../src/launcher/progress.js';

const CIRCUITS = process.env.BENCH_START_CIRCUITS ?? DEFAULT_DEVNET_CIRCUITS;
const MEMBERS = Number(process.env.BENCH_START_MEMBERS ?? 5);

/** Time from the launcher's start to endpoints.json (every node ready and committing), then a Ctrl-C; returns the time and its output. */
async function timedRun(dir: string): Promise<{ readonly ms: number; readonly output: string }> {
  const started = performance.now();
  const launcher = startLauncherProcess(['--members', String(MEMBERS), '--dir', dir, '--circuits', CIRCUITS, '--no-traffic']);
  try {
    await waitForEndpoints(dir, launcher, 1_800_000);
    return { ms: performance.now() - started, output: launcher.output() };
  } finally {
    launcher.child.kill('SIGINT');
    await launcher.exited;
  }
}

/** The launcher's lines that report a step with its time: its own and consortium-setup's. */
const stepLines = (output: string) => output.split('\n').filter((line) => /^\s*✔ .*\(\d/.test(line));

export async function runDevnetStartBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-npm-start-'));
  try {
    for (const name of CIRCUITS.split(',')) await rm(join(DEFAULT_BUILD_ROOT, name.trim()), { recursive: true, force: true });
    const first = await timedRun(dir);
    console.log(`  first run (circuit build, demo keys, member keys and genesis, ${MEMBERS} nodes): ${formatElapsed(first.ms)}`);
    for (const line of stepLines(first.output)) console.log(`    ${line.trim()}`);
    const later = await timedRun(dir);
    console.log(`  later run (keys and chain reused): ${formatElapsed(later.ms)}`);
    for (const line of stepLines(later.output)) console.log(`    ${line.trim()}`);

    const keys = join(dir, 'keys');
    const ptau = (await readdir(keys)).find((name) => name.endsWith('.ptau'))!;
    const started = performance.now();
    await snarkjs.powersOfTau.preparePhase2(join(keys, ptau), join(dir, 'prepared-by-snarkjs.ptau'));
    console.log(`  snarkjs preparePhase2 of every domain on the same phase-1 file (${ptau}), what the ceremony ran before: ${formatElapsed(performance.now() - started)}`);
  } finally {
    await (globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
    await rm(dir, { recursive: true, force: true });
  }
}
