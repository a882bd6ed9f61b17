// `npm run test:all`'s first phase, beside typecheck and lint: makes what many test suites would
// otherwise make on first use, so none of them waits, holding a CI slot, on another's file lock
// while it compiles a circuit or runs a setup. Every item is what the tests make themselves
// (same functions, same cache folders under build/); this only makes it earlier, on the core
// typecheck and lint leave free. On a clone that has them already, it checks and returns.
import { join } from 'node:path';
import { buildCircuit, REPOSITORY_ROOT } from '@consortium/circuits';
import { ensureTestKeys } from '@consortium/zkp';
import { writeTestKeysFolder } from '../devnet/test-keys.js';
import { ensureDemoKeys } from '../launcher/keys.js';
import { lineProgress } from '../launcher/progress.js';

const started = Date.now();
const say = (text: string) => process.stdout.write(text);
const progress = lineProgress(say);

/** The small test circuit: its build, and its test keys (libs/zkp, circuits, settlement, node, tools). */
await progress.step('settlement-4 and its test keys', async () => ensureTestKeys('settlement-4'));
/** The circuit variants the constraint tests compile (libs/zkp settlement-constraints, settlement-circuit). */
for (const variant of ['forging', 'unoptimised'] as const) await progress.step(`settlement-4 (${variant})`, async () => buildCircuit('settlement-4', { variant }));
await progress.step('settlement-16', async () => buildCircuit('settlement-16'));
/**
 * The launcher's keys folder for settlement-4 (npm start's e2e and the verify-statement example):
 * assembled from the test keys above, as the tools devnets' are, instead of a second demo
 * ceremony of the same circuit (42 s; the ceremony itself is setup-cli's ceremony-demo e2e). The
 * launcher's own check then finds it current and reuses it, as the tests expect.
 */
const devnetKeys = join(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
await progress.step('the launcher\'s settlement-4 keys folder', async () => writeTestKeysFolder(devnetKeys));
await ensureDemoKeys(devnetKeys, ['settlement-4'], progress, new AbortController().signal);
say(`test artifacts ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
// snarkjs keeps its curve's worker threads: leave at once.
process.exit(0);
