import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir, type CliResult } from './support/cli.js';
import { runInProcessOk } from './support/in-process.js';

/**
 * `ceremony coordinate` and `ceremony join` as processes of their own: what each reads from the
 * member's node.json is checked against genesis before anything is sent. The whole distributed
 * ceremony of five such processes on the settlement circuit, to every attestation and the nodes
 * running on its keys, is `npm start -- --ceremony`'s e2e (tools/test/e2e/start-ceremony.test.ts),
 * which runs exactly these commands; its faults are libs/ceremony's distributed e2e.
 */

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let devnet: string;
let members: string[];
const packageDir = resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  tmp = await temporaryDir('ceremony-distributed');
  devnet = join(tmp.path, 'devnet');
  // Ports of their own: other suites run devnets beside this one.
  const basePort = 40_000 + Math.floor(Math.random() * 200) * 10;
  await runInProcessOk(['devnet', '--out', devnet, '--members', '5', '--base-port', String(basePort)]);
  members = (await readJson<{ members: { id: string }[] }>(join(devnet, 'genesis.json'))).members.map((member) => member.id);
}, 180_000);

afterAll(async () => tmp.remove());

/** consortium-setup as its own process (what `npx consortium-setup` runs), output captured. */
function runMember(args: readonly string[]): Promise<CliResult> {
  const { FORCE_COLOR: _forced, ...env } = process.env;
  const child = spawn(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: packageDir,
    env: { ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 540_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('ceremony coordinate and join', () => {
  it('refuses a member whose node.json holds another member\'s validator key, naming both', async () => {
    const wrong = join(devnet, members[1]!, 'node-wrong-key.json');
    const json = await readJson<Record<string, unknown>>(join(devnet, members[1]!, 'node.json'));
    await writeFile(wrong, JSON.stringify({ ...json, validatorKeyFile: join(devnet, members[2]!, 'validator-key.json') }));
    const refused = await runMember(['ceremony', 'join', '--dir', join(tmp.path, 'wrong'), '--config', wrong]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is ${members[2]}'s key, not ${members[1]}'s`);
  }, 120_000);
});
