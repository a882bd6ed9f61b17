import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * The node's configuration file (node.json, written by `consortium-setup devnet` or by an
 * operator). Paths are relative to the file's folder. Every problem is reported at once with
 * its field, so a hand-edited file is fixed in one pass.
 */

export interface NodeConfig {
  readonly memberId: string;
  readonly genesisFile: string;
  readonly validatorKeyFile: string;
  readonly nodeKeyFile: string;
  readonly dataDir: string;
  readonly p2p: { readonly listen: readonly string[]; readonly peers: Readonly<Record<string, readonly string[]>> };
  readonly http: { readonly host: string; readonly port: number };
  /** The trusted setup's keys folder; required when genesis pins artifacts. */
  readonly keysDir?: string;
  /**
   * Snapshot the application every this many blocks (default 100). A snapshot costs O(state);
   * a restart restores the newest one and re-executes the blocks after it.
   */
  readonly snapshotIntervalBlocks: number;
}

/** A snapshot every 100 blocks: at 10 blocks a second, a restart re-executes at most 10 s of blocks. */
export const DEFAULT_SNAPSHOT_INTERVAL_BLOCKS = 100;

export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid node configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');

export function parseNodeConfig(raw: unknown, file: string): NodeConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new NodeConfigError(file, ['the file must hold a JSON object']);
  const base = dirname(resolve(file));
  const path = (field: string): string => {
    const value = raw[field];
    if (typeof value !== 'string' || value === '') {
      problems.push(`${field}: must be a path`);
      return '';
    }
    return isAbsolute(value) ? value : resolve(base, value);
  };
  const memberId = raw.memberId;
  if (typeof memberId !== 'string' || memberId === '') problems.push('memberId: must name this node\'s member (as in genesis)');
  const genesisFile = path('genesisFile');
  const validatorKeyFile = path('validatorKeyFile');
  const nodeKeyFile = path('nodeKeyFile');
  const dataDir = path('dataDir');

  const p2p = isObject(raw.p2p) ? raw.p2p : {};
  if (!isObject(raw.p2p)) problems.push('p2p: must be an object with listen and peers');
  if (!isStringList(p2p.listen) || p2p.listen.length === 0) problems.push('p2p.listen: must list at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/26600');
  const peers: Record<string, string[]> = {};
  if (p2p.peers !== undefined && !isObject(p2p.peers)) problems.push('p2p.peers: must map member ids to lists of multiaddrs');
  for (const [member, addresses] of Object.entries(isObject(p2p.peers) ? p2p.peers : {})) {
    if (isStringList(addresses)) peers[member] = addresses;
    else problems.push(`p2p.peers.${member}: must be a list of multiaddrs`);
  }

  const http = isObject(raw.http) ? raw.http : {};
  if (!isObject(raw.http)) problems.push('http: must be an object with host and port');
  if (typeof http.host !== 'string' || http.host === '') problems.push('http.host: must be an address to listen on, e.g. 127.0.0.1');
  if (typeof http.port !== 'number' || !Number.isInteger(http.port) || http.port < 0 || http.port > 65_535) problems.push('http.port: must be a port from 0 to 65535');

  let keysDir: string | undefined;
  if (raw.keysDir !== undefined) keysDir = path('keysDir');
  const snapshotIntervalBlocks = raw.snapshotIntervalBlocks ?? DEFAULT_SNAPSHOT_INTERVAL_BLOCKS;
  if (typeof snapshotIntervalBlocks !== 'number' || !Number.isSafeInteger(snapshotIntervalBlocks) || snapshotIntervalBlocks < 1 || snapshotIntervalBlocks > 1_000_000) {
    problems.push('snapshotIntervalBlocks: must be a whole number of blocks from 1 to 1000000');
  }
  if (problems.length > 0) throw new NodeConfigError(file, problems);
  return {
    ...(keysDir === undefined ? {} : { keysDir }),
    memberId: memberId as string,
    genesisFile,
    validatorKeyFile,
    nodeKeyFile,
    dataDir,
    p2p: { listen: p2p.listen as string[], peers },
    http: { host: http.host as string, port: http.port as number },
    snapshotIntervalBlocks: snapshotIntervalBlocks as number,
  };
}

export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NodeConfigError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NodeConfigError(file, [`is not JSON: ${(error as Error).message}`]);
  }
  return parseNodeConfig(raw, file);
}
