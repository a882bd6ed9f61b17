import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Real node processes on this machine (the devnet launcher, e2e tests, benchmarks):
 * `consortium-setup devnet` writes the keys, genesis and node.json files, then each member
 * runs `consortium-node --config` as its own process, talking libp2p over loopback and keeping
 * its LevelDB in the devnet folder. The apps run from their TypeScript sources through tsx.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const nodeMain = join(repositoryRoot, 'apps/node/src/main.ts');
const setupMain = join(repositoryRoot, 'apps/setup-cli/src/main.ts');
const TS_FLAGS = ['--conditions=@consortium/source', '--import', 'tsx'];

export async function runSetupCli(args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, [...TS_FLAGS, setupMain, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`consortium-setup ${args.join(' ')} exited ${code}:\n${output}`);
  return output;
}

/** A devnet of `members` members; ports from a random base unless given, so parallel runs do not collide. */
export async function createDevnet(dir: string, members: number, basePort = 20_000 + Math.floor(Math.random() * 400) * 100): Promise<{ readonly memberIds: string[] }> {
  await runSetupCli(['devnet', '--out', dir, '--members', String(members), '--base-port', String(basePort), '--force']);
  const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as { members: { id: string }[] };
  return { memberIds: genesis.members.map((member) => member.id) };
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  httpUrl = '';

  constructor(
    readonly devnetDir: string,
    readonly memberId: string,
  ) {}

  get configFile(): string {
    return join(this.devnetDir, this.memberId, 'node.json');
  }

  get logFile(): string {
    return join(this.devnetDir, this.memberId, 'node.log');
  }

  async start(): Promise<void> {
    const config = JSON.parse(await readFile(this.configFile, 'utf8')) as { http: { host: string; port: number } };
    this.httpUrl = `http://${config.http.host}:${config.http.port}`;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...TS_FLAGS, nodeMain, '--config', this.configFile], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.child = child;
    await waitFor(`${this.memberId} answers /health`, async () => (await fetchJson(`${this.httpUrl}/health`)) !== null, 30_000);
  }

  /** kill -9: no shutdown hook runs, nothing is flushed beyond what was synced. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async status(): Promise<NodeStatus | null> {
    return (await fetchJson(`${this.httpUrl}/v1/status`)) as NodeStatus | null;
  }

  async height(): Promise<number> {
    return (await this.status())?.consensus.committedHeight ?? -1;
  }

  async hasCommittedTx(hash: string): Promise<boolean> {
    const response = await fetch(`${this.httpUrl}/v1/txs/${hash}`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    return response?.status === 200;
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`${this.httpUrl}/metrics`);
    const text = await response.text();
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (wanted.every((pair) => line.includes(pair))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }
}

export interface NodeStatus {
  readonly member: string;
  readonly connectedMembers: string[];
  readonly consensus: { readonly height: number; readonly round: number; readonly committedHeight: number; readonly lastBlockHash: string; readonly syncing: boolean };
}

export async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    return (await response.json());
  } catch {
    return null;
  }
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

/** Posts transactions (base64) to a node's batch endpoint. */
export async function submitKeyValueTxs(node: NodeProcess, txs: readonly Uint8Array[]): Promise<{ accepted: number; rejected: Record<string, number> }> {
  const response = await fetch(`${node.httpUrl}/v1/txs/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ txs: txs.map((tx) => Buffer.from(tx).toString('base64')) }),
  });
  if (!response.ok) throw new Error(`batch submit to ${node.memberId} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { accepted: number; rejected: Record<string, number> };
}
