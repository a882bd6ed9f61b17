import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { readApiToken, type ApiTokenRole } from './api-tokens.js';
import type { BlockSummary } from './chain-check.js';
import { appendChildOutput } from './child-log.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/**
 * Real node processes on this machine (the devnet launcher, e2e tests, benchmarks):
 * `consortium-setup devnet` writes the keys, genesis and node.json files, then each member
 * runs `consortium-node --config` as its own process, talking libp2p over loopback and keeping
 * its LevelDB in the devnet folder. The apps run from their TypeScript sources through tsx.
 */

export { apiTokenFile, readApiToken, type ApiTokenRole } from './api-tokens.js';
// Existing callers import waitFor from here.
export { waitFor, WaitTimeoutError, WAIT_DEADLINES_MS, type Observation } from './wait.js';

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const nodeMain = join(repositoryRoot, 'apps/node/src/main.ts');
const setupMain = join(repositoryRoot, 'apps/setup-cli/src/main.ts');
const TS_FLAGS = ['--conditions=@consortium/source', '--import', 'tsx'];
const exitWithParent = join(import.meta.dirname, 'exit-with-parent.ts');
/** One HTTP request to a node; a busy machine can take seconds to answer. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface SetupCliOptions {
  /** Each line the CLI writes to stderr (its progress: "✔ step (elapsed)"), as it comes. */
  readonly onProgressLine?: (line: string) => void;
  /** Stops the CLI (SIGTERM: a ceremony removes its working folder) when aborted. */
  readonly signal?: AbortSignal;
}

/** Runs `consortium-setup <args>` from the sources; resolves with its output, throws SetupCliError when it fails. */
export async function runSetupCli(args: readonly string[], options: SetupCliOptions = {}): Promise<string> {
  const child = spawn(process.execPath, [...TS_FLAGS, setupMain, ...args], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.signal === undefined ? {} : { signal: options.signal, killSignal: 'SIGTERM' as const }),
  });
  let output = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (options.onProgressLine === undefined) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') options.onProgressLine(line);
  });
  // An aborted spawn emits 'error' (AbortError) besides 'exit'; the exit decides.
  child.on('error', () => {});
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('exit', (exitCode, exitSignal) => done([exitCode, exitSignal])));
  runningSetups.add(exited);
  const [code, signal] = await exited.finally(() => runningSetups.delete(exited));
  if (code !== 0) throw new SetupCliError(args, code === null ? `signal ${signal}` : `code ${code}`, output);
  return output;
}

/** The exits of the consortium-setup processes running now. */
const runningSetups = new Set<Promise<unknown>>();

/**
 * Resolves once no consortium-setup process runs: after a stop (their signal aborted), a caller
 * waits for them before it exits, so a ceremony removes its working folder and no process is
 * left behind.
 */
export async function setupCliExited(): Promise<void> {
  await Promise.all([...runningSetups]);
}

/** `consortium-setup` failed or was stopped; carries what it printed. */
export class SetupCliError extends Error {
  override readonly name = 'SetupCliError';

  constructor(
    readonly args: readonly string[],
    readonly exit: string,
    readonly output: string,
  ) {
    super(`consortium-setup ${args.join(' ')} exited (${exit}):\n${output}`);
  }
}

/**
 * Base ports are drawn below Linux's ephemeral range (32768 up), where outgoing connections
 * take their local ports, in steps of 200 so two devnets' p2p (base + i) and HTTP
 * (base + 100 + i) ranges never overlap.
 */
const BASE_PORT_LOWEST = 20_000;
const BASE_PORT_SLOTS = 62;
const BASE_PORT_STEP = 200;
const randomBasePort = () => BASE_PORT_LOWEST + Math.floor(Math.random() * BASE_PORT_SLOTS) * BASE_PORT_STEP;

export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** The ports in `ports` something listens on now. */
export async function busyPorts(ports: readonly number[]): Promise<number[]> {
  return (await Promise.all(ports.map(async (port) => ((await portIsFree(port)) ? null : port)))).filter((port) => port !== null);
}

interface NodeJsonPorts {
  readonly p2p: { readonly listen: readonly string[] };
  readonly http: { readonly port: number };
}

/** The ports a devnet's node.json files listen on. */
export async function devnetPorts(dir: string, memberIds: readonly string[]): Promise<number[]> {
  const ports: number[] = [];
  for (const id of memberIds) {
    const config = JSON.parse(await readFile(join(dir, id, 'node.json'), 'utf8')) as NodeJsonPorts;
    ports.push(config.http.port, ...config.p2p.listen.map((address) => Number(/\/tcp\/(\d+)/.exec(address)?.[1])));
  }
  return ports;
}

export interface DevnetOptions {
  /** The trusted setup's keys folder (`consortium-setup ceremony demo`): pinned in genesis; without it the devnet runs the key-value test application. */
  readonly keysDir?: string;
  /** A base port to try first (then random ones), when `basePort` is not given. */
  readonly preferredBasePort?: number;
  /** Each progress line of consortium-setup, and a way to stop it. */
  readonly setup?: SetupCliOptions;
}

/**
 * A devnet of `members` members in `dir`. Without `basePort`, a base whose every port is free
 * right now (`preferredBasePort` first, then random ones), so parallel runs (and other work on
 * the machine) do not collide.
 */
export async function createDevnet(dir: string, members: number, basePort?: number, options: DevnetOptions = {}): Promise<{ readonly memberIds: string[] }> {
  const attempts = basePort === undefined ? 10 : 1;
  const busy: number[] = [];
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = basePort ?? (attempt === 0 ? options.preferredBasePort : undefined) ?? randomBasePort();
    const keys = options.keysDir === undefined ? [] : ['--keys', options.keysDir];
    await runSetupCli(['devnet', '--out', dir, '--members', String(members), '--base-port', String(base), ...keys, '--force'], options.setup);
    const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as { members: { id: string }[] };
    const memberIds = genesis.members.map((member) => member.id);
    const taken = await busyPorts(await devnetPorts(dir, memberIds));
    if (taken.length === 0 || basePort !== undefined) return { memberIds };
    busy.push(...taken);
  }
  throw new Error(`no free ports for a devnet of ${members} after ${attempts} bases; ports in use: ${busy.join(', ')}`);
}

/**
 * Node processes this process started and that still run. If this process exits without
 * stopping them (a test runner giving up on a hook), they are killed on the way out; if it is
 * killed outright, exit-with-parent.ts makes them stop themselves.
 */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** A node process that exited while a test waited on it; carries the end of its log. */
export class NodeExitedError extends Error {
  override readonly name = 'NodeExitedError';

  constructor(
    readonly memberId: string,
    readonly exit: string,
    readonly logTail: string,
  ) {
    super(`${memberId}'s node process exited (${exit}); the end of its log:\n${logTail}`);
  }
}

/** The last `lines` lines of a log file ('' when it cannot be read). */
export async function tailOf(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines - 1).join('\n');
}

/** Runs `consortium-node <args>` (a subcommand such as `resync`) from the sources; resolves with its exit code and output. */
export async function runNodeCli(args: readonly string[]): Promise<{ readonly code: number | null; readonly output: string }> {
  const child = spawn(process.execPath, [...TS_FLAGS, nodeMain, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  return { code, output };
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  /** Resolves once the running child's output is all in its log file. */
  private logWritten: Promise<void> = Promise.resolve();
  httpUrl = '';

  constructor(
    readonly devnetDir: string,
    readonly memberId: string,
    /**
     * `ownProcessGroup`: the node runs in a process group of its own, so a Ctrl-C in the terminal
     * reaches only the launcher, which then stops the nodes one signal each (SIGTERM, then
     * SIGKILL after the deadline) instead of every node getting the terminal's SIGINT as well.
     */
    private readonly options: {
      readonly ownProcessGroup?: boolean;
      /** Another program than consortium-node, given `--config <node.json>` too: a member that misbehaves on purpose (tools/src/chaos/byzantine-node.ts). */
      readonly entry?: { readonly script: string; readonly args?: readonly string[] };
    } = {},
  ) {}

  get configFile(): string {
    return join(this.devnetDir, this.memberId, 'node.json');
  }

  private readonly tokens = new Map<ApiTokenRole, string>();

  /**
   * The Authorization header of this member's client with `role` (the API answers 401 to /v1/*
   * without a token): observer to read the chain, operator to act for this member.
   */
  async authorization(role: ApiTokenRole = 'observer'): Promise<Record<string, string>> {
    let token = this.tokens.get(role);
    if (token === undefined) {
      token = await readApiToken(this.devnetDir, this.memberId, role);
      this.tokens.set(role, token);
    }
    return { authorization: `Bearer ${token}` };
  }

  get logFile(): string {
    return join(this.devnetDir, this.memberId, 'node.log');
  }

  /** The process id while the node runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  private readonly exitListeners: ((exit: string) => void)[] = [];

  /** Calls `listener` when the process exits, however it ends, with how ("code 3", "signal SIGKILL"). */
  onExit(listener: (exit: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Spawns the node and waits until it answers /health; fails at once, with its log, if it exits. */
  async start(timeoutMs: number = WAIT_DEADLINES_MS.nodeStart): Promise<void> {
    const config = JSON.parse(await readFile(this.configFile, 'utf8')) as { http: { host: string; port: number } };
    this.httpUrl = `http://${config.http.host}:${config.http.port}`;
    const script = this.options.entry?.script ?? nodeMain;
    const child = spawn(process.execPath, [...TS_FLAGS, '--import', exitWithParent, script, '--config', this.configFile, ...(this.options.entry?.args ?? [])], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.ownProcessGroup === true,
    });
    const logWritten = appendChildOutput(child, this.logFile);
    this.logWritten = logWritten;
    this.child = child;
    liveChildren.add(child);
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      const exit = code !== null ? `code ${code}` : `signal ${signal}`;
      for (const listener of this.exitListeners) listener(exit);
    });
    await waitFor(`${this.memberId} answers /health`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        // Its last lines (the reason, the advice) may still be on their way through the pipes.
        await logWritten;
        throw new NodeExitedError(this.memberId, child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode}`, await tailOf(this.logFile));
      }
      if ((await fetchJson(`${this.httpUrl}/health`)) !== null) return true;
      return { done: false, seen: `no answer at ${this.httpUrl}/health; the end of its log:\n${await tailOf(this.logFile, 10)}` };
    }, timeoutMs, 500);
  }

  /**
   * Stops the process with `signal` (default kill -9: no shutdown hook runs, nothing is flushed
   * beyond what was synced). A graceful signal that is not obeyed within the stop deadline is
   * followed by SIGKILL, so a hung shutdown cannot hang the test run.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    if (signal !== 'SIGKILL') {
      const forced = setTimeout(() => child.kill('SIGKILL'), WAIT_DEADLINES_MS.stop);
      await exited;
      clearTimeout(forced);
    }
    await exited;
    // What it wrote last (a shutdown's lines) is in its log before the caller reads it.
    await this.logWritten;
    this.child = null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The node's status, or null when it does not answer with one (yet): no answer, or an error body (a 503 while it starts, a 429). */
  /** `role`: whose token asks (each role has its own API rate limit; a benchmark polling fast uses the operator's). */
  async status(role: ApiTokenRole = 'observer'): Promise<NodeStatus | null> {
    const body = (await fetchJson(`${this.httpUrl}/v1/status`, { headers: await this.authorization(role) })) as Partial<NodeStatus> | null;
    return body?.consensus === undefined ? null : (body as NodeStatus);
  }

  /** The committed height, or null when the node does not answer. */
  async committedHeight(role: ApiTokenRole = 'observer'): Promise<number | null> {
    return (await this.status(role))?.consensus.committedHeight ?? null;
  }

  /** The committed height, -1 when the node does not answer. */
  async height(): Promise<number> {
    return (await this.committedHeight()) ?? -1;
  }

  /** The block the node committed at `height`, null when it has none; retries a node slow to answer, then throws. */
  async block(height: number): Promise<BlockSummary | null> {
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await fetch(`${this.httpUrl}/v1/blocks/${height}`, { headers: await this.authorization(), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (response.status === 404) return null;
        if (response.ok) return (await response.json()) as BlockSummary;
        lastError = `HTTP ${response.status}: ${await response.text()}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await new Promise((done) => setTimeout(done, 1_000));
    }
    throw new Error(`${this.memberId} did not serve block ${height}: ${lastError}`);
  }

  /** True once the node has committed the transaction; false while not, or when it does not answer. */
  async hasCommittedTx(hash: string): Promise<boolean> {
    const headers = await this.authorization();
    const response = await fetch(`${this.httpUrl}/v1/txs/${hash}`, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(() => null);
    return response?.status === 200;
  }

  /** The sum of a metric's series matching `labels`, from the node's /metrics page. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    // Loopback needs no token for /metrics; the observer's is sent anyway, as from anywhere else.
    const response = await fetch(`${this.httpUrl}/metrics`, { headers: await this.authorization(), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
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

/** GET (or `init`) a JSON document; null when the node does not answer in time or the body is not JSON. */
export async function fetchJson(url: string, init?: RequestInit): Promise<unknown> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return await response.json();
  } catch {
    return null;
  }
}

/** Posts transactions (base64) to a node's batch endpoint. */
export async function submitKeyValueTxs(node: NodeProcess, txs: readonly Uint8Array[]): Promise<{ accepted: number; rejected: Record<string, number> }> {
  const response = await fetch(`${node.httpUrl}/v1/txs/batch`, {
    method: 'POST',
    // Submitting transactions acts for the member: its operator token.
    headers: { 'content-type': 'application/json', ...(await node.authorization('operator')) },
    body: JSON.stringify({ txs: txs.map((tx) => Buffer.from(tx).toString('base64')) }),
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`batch submit to ${node.memberId} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { accepted: number; rejected: Record<string, number> };
}
