import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/workspace.ts';
// The devnet helpers of @consortium/tools (same folder tree; tools has no package entry).
import { startLauncherProcess, waitForEndpoints, type LauncherProcess } from '../../../src/devnet/launcher-process.ts';
import { waitFor, WAIT_DEADLINES_MS } from '../../../src/devnet/wait.ts';
import type { DevnetEndpoints } from '../../../src/launcher/endpoints.ts';

/**
 * verify-statement as an operator runs it: the built CLI on plain Node (no --conditions, the
 * libraries' dist/) against a real four-member consortium started by the launcher (`npm start`),
 * on a statement made through the node's settlement API: an agreement both parties sign, a usage
 * batch, a statement proved on the creditor's prover pool. Then as the creditor, the debtor (once
 * it has the records), an observer (public view: exit 2), with a keys folder whose verification
 * key is not the pinned one (exit 1) and with a wrong token (exit 2).
 *
 * It needs the node's settlement routes (briefs8/settlement-api-spec.md); until apps/node serves
 * them the suite is skipped, saying so.
 */

const MEMBERS = 4;
const [CREDITOR, DEBTOR] = ['T-Mobile-DE', 'Vodafone-UK'];
const keysDir = join(REPOSITORY_ROOT, 'build/devnet-test-keys/settlement-4');
const cli = join(REPOSITORY_ROOT, 'tools/examples/dist/verify-statement/cli.js');
const run = promisify(execFile);

async function nodeServesSettlementRoutes(): Promise<boolean> {
  const dir = join(REPOSITORY_ROOT, 'apps/node/src');
  const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.ts'));
  const text = (await Promise.all(files.map(async (file) => readFile(join(dir, file), 'utf8')))).join('\n');
  return text.includes('/v1/key-epochs') && text.includes('/records');
}
const routesServed = await nodeServesSettlementRoutes();

let launcher: LauncherProcess | null = null;
let devnetDir: string;
let endpoints: DevnetEndpoints;
let statementId: string;
let batchId: string;

const member = (id: string) => endpoints.members.find((m) => m.id === id)!;
const token = async (id: string, role: 'operator' | 'observer') => (await readFile(member(id).tokens[role], 'utf8')).trim();

async function api(id: string, role: 'operator' | 'observer', method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${member(id).apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(id, role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

async function verify(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: REPOSITORY_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Last month: a period whose usage lies wholly in the past (every record's start time within it). */
function lastPeriod(): { period: string; startTime: (i: number) => string } {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const period = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { period, startTime: (i) => String(start.getTime() / 1000 + 3_600 * (i + 1)) };
}

if (!routesServed) console.warn('verify-statement e2e: apps/node does not serve the settlement routes yet (briefs8/settlement-api-spec.md): the consortium suite is skipped');

describe.skipIf(!routesServed)('verify-statement against a real consortium', () => {
  beforeAll(async () => {
    devnetDir = await mkdtemp(join(tmpdir(), 'consortium-verify-statement-'));
    // No traffic generator: its agreements of every pair would supersede this test's one for the period.
    launcher = startLauncherProcess(['--members', String(MEMBERS), '--dir', devnetDir, '--keys', keysDir, '--circuits', 'settlement-4', '--no-traffic']);
    endpoints = await waitForEndpoints(devnetDir, launcher);
    const { period, startTime } = lastPeriod();
    const rates = { voice_mo: '317', voice_mt: '250', sms: '3000', data: '1100' };

    // the agreement: proposed by the creditor, accepted (co-signed) by the debtor
    const proposed = await api(CREDITOR, 'operator', 'POST', `/v1/members/${CREDITOR}/agreements`, { counterparty: DEBTOR, fromPeriod: period, toPeriod: period, rates: { [CREDITOR]: rates, [DEBTOR]: rates } });
    expect(proposed.status).toBe(202);
    const agreementId = proposed.json.agreementId as string;
    await waitFor(`${DEBTOR} receives proposal ${agreementId}`, async () => {
      const { json } = await api(DEBTOR, 'operator', 'GET', `/v1/members/${DEBTOR}/agreements/proposals`);
      return ((json.proposals ?? []) as { agreementId: string }[]).some((p) => p.agreementId === agreementId);
    });
    expect((await api(DEBTOR, 'operator', 'POST', `/v1/members/${DEBTOR}/agreements/${agreementId}/accept`, {})).status).toBe(202);
    await waitFor(`agreement ${agreementId} on chain`, async () => {
      const { json } = await api(CREDITOR, 'operator', 'GET', `/v1/agreements?member=${CREDITOR}`);
      return ((json.agreements ?? []) as { id?: string; agreementId?: string }[]).some((a) => (a.agreementId ?? a.id) === agreementId);
    });

    // one usage batch of the creditor (the visited network), then its statement
    const records = Array.from({ length: 3 }, (_, i) => ({ subscriberRef: `${i}`.repeat(32), service: (['voice_mo', 'sms', 'data'] as const)[i], startTime: startTime(i), volume: String(60 * (i + 1)) }));
    const usage = await api(CREDITOR, 'operator', 'POST', `/v1/members/${CREDITOR}/usage`, { debtor: DEBTOR, period, records });
    expect(usage.status).toBe(202);
    batchId = (usage.json.batches as { batchId: string }[])[0]!.batchId;
    await waitFor(`batch ${batchId} committed`, async () => (await api(CREDITOR, 'operator', 'GET', `/v1/batches/${encodeURIComponent(batchId)}`)).status === 200);
    const statement = await api(CREDITOR, 'operator', 'POST', `/v1/members/${CREDITOR}/statements`, { batchId });
    expect(statement.status).toBe(202);
    statementId = statement.json.statementId as string;
    await waitFor(`statement ${statementId} proposed on chain`, async () => (await api(CREDITOR, 'operator', 'GET', `/v1/statements/${statementId}`)).status === 200, WAIT_DEADLINES_MS.progress * 2);
  }, 1_200_000);

  afterAll(async () => {
    if (launcher !== null && launcher.child.exitCode === null) {
      launcher.child.kill('SIGINT');
      await launcher.exited;
    }
    if (devnetDir !== undefined) await rm(devnetDir, { recursive: true, force: true });
  });

  const options = (id: string, tokenFile: string, keys = keysDir) => ['--node', member(id).apiUrl, '--token', tokenFile, '--statement', statementId, '--keys', keys];

  it("with the creditor's operator token: every check passes, the records' included (exit 0)", async () => {
    const result = await verify(options(CREDITOR, member(CREDITOR).tokens.operator));
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    for (const check of ['verification key pin', 'Groth16 proof', 'record range', 'records digest', 'batch commitment (records)']) expect(result.stdout).toContain(`✔ ${check}`);
    expect(result.stdout).not.toContain('✖');
  });

  it("with the debtor's operator token, once its node received the records (exit 0)", async () => {
    await waitFor(`${DEBTOR} holds the records of ${batchId}`, async () => (await api(DEBTOR, 'operator', 'GET', `/v1/members/${DEBTOR}/batches/${encodeURIComponent(batchId)}/records`)).status === 200);
    const result = await verify(options(DEBTOR, member(DEBTOR).tokens.operator));
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('✔ records digest');
  });

  it('with a verification key that is not the pinned one: the pin fails, the proof is not verified (exit 1)', async () => {
    const forgedKeys = await mkdtemp(join(tmpdir(), 'consortium-forged-keys-'));
    try {
      await cp(keysDir, forgedKeys, { recursive: true });
      const manifest = JSON.parse(await readFile(join(forgedKeys, 'keys-manifest.json'), 'utf8')) as { circuits: Record<string, { vkey: { path: string } }> };
      const vkeyFile = join(forgedKeys, manifest.circuits['settlement-4']!.vkey.path);
      await writeFile(vkeyFile, `${(await readFile(vkeyFile, 'utf8')).trimEnd()}\n\n`);
      const result = await verify(options(CREDITOR, member(CREDITOR).tokens.operator, forgedKeys));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✖ verification key pin');
      expect(result.stdout).toContain('✖ Groth16 proof');
    } finally {
      await rm(forgedKeys, { recursive: true, force: true });
    }
  });

  it("with an observer's token (the public view) or a wrong token it cannot check, and says what to do (exit 2)", async () => {
    const observer = await verify(options(CREDITOR, member(CREDITOR).tokens.observer));
    expect(observer.code).toBe(2);
    expect(observer.stderr).toContain('PublicViewError');
    const wrong = await verify(options(CREDITOR, 'not-a-token'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('401');
  });
});

/** A loopback port nothing listens on (bound, then closed): a connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

describe('verify-statement usage errors (no node needed)', () => {
  it('a missing option or an unreachable node is exit 2 with a message', async () => {
    const node = `http://127.0.0.1:${await closedPort()}`;
    const missing = await verify(['--node', node]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--token');
    const unreachable = await verify(['--node', node, '--token', 'x', '--statement', 'ab', '--keys', keysDir]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('NodeUnreachableError');
    expect(unreachable.stderr).toContain('ECONNREFUSED');
  });
});
