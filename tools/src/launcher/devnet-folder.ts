import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseGenesis, type Genesis } from '@consortium/consensus';
import type { KeysManifest } from '@consortium/zkp';
import { busyPorts, createDevnet, devnetPorts } from '../devnet/processes.js';
import type { LaunchProgress } from './progress.js';
import { devnetStale } from './reuse.js';

/**
 * The devnet's member keys, genesis and node.json files, written by `consortium-setup devnet
 * --keys` (nothing of it is rewritten here). A later run reuses them, and the chain goes on from
 * each node's data, while they are for the same number of members, pin the demo keys in use and
 * their ports are free; otherwise (or with --fresh) they are made again and the old chain data
 * goes (it belongs to the old genesis).
 */

/** Port of the first member's p2p address (its HTTP API on + 100) when free: the README's `curl localhost:26700`. */
export const PREFERRED_BASE_PORT = 26_600;

/** The devnet's genesis, or null when it has none that parses. */
export async function readGenesis(dir: string): Promise<Genesis | null> {
  const text = await readFile(join(dir, 'genesis.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return parseGenesis(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The transcript a multi-party ceremony's keys folder pins (its genesis-artifacts.json); null for demo keys. */
export async function pinnedTranscriptOf(keysDir: string): Promise<string | null> {
  const text = await readFile(join(keysDir, 'genesis-artifacts.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const fragment = JSON.parse(text) as { trustedSetup?: { transcriptSha256?: unknown } };
    return typeof fragment.trustedSetup?.transcriptSha256 === 'string' ? fragment.trustedSetup.transcriptSha256 : null;
  } catch {
    return null;
  }
}

async function reuseProblem(dir: string, members: number, keysDir: string, keys: KeysManifest): Promise<string | null> {
  const genesis = await readGenesis(dir);
  const stale = devnetStale(genesis, members, keys, await pinnedTranscriptOf(keysDir));
  if (stale !== null || genesis === null) return stale;
  const busy = await busyPorts(await devnetPorts(dir, genesis.members.map((member) => member.id)).catch(() => []));
  return busy.length > 0 ? `its ports ${busy.join(', ')} are in use` : null;
}

export interface DevnetFolder {
  readonly genesis: Genesis;
  /** True when the chain goes on from an earlier run's data. */
  readonly reused: boolean;
}

export async function ensureDevnet(
  dir: string,
  members: number,
  keysDir: string,
  keys: KeysManifest,
  options: { readonly fresh: boolean; readonly basePort?: number; readonly writtenNow?: boolean },
  progress: LaunchProgress,
  signal: AbortSignal,
): Promise<DevnetFolder> {
  if (options.writtenNow === true) {
    // The ceremony step wrote the genesis that pins its keys (a new chain): nothing to check or reuse.
    const genesis = await readGenesis(dir);
    if (genesis === null) throw new Error(`the ceremony step wrote no valid genesis.json in ${dir}`);
    return { genesis, reused: false };
  }
  const problem = options.fresh ? 'a fresh chain was asked for (--fresh)' : await reuseProblem(dir, members, keysDir, keys);
  if (problem === null) {
    progress.note(`✔ member keys and genesis: reused from ${dir}; the chain goes on from each node's data`);
    return { genesis: (await readGenesis(dir))!, reused: true };
  }
  await progress.step(`member keys, genesis and node files for ${members} members (consortium-setup devnet)`, async (outcome) => {
    await createDevnet(dir, members, options.basePort, {
      keysDir,
      preferredBasePort: PREFERRED_BASE_PORT,
      setup: { signal, onProgressLine: (line) => progress.detail(line) },
    });
    outcome(`made in ${dir} (${problem})`);
  });
  const genesis = await readGenesis(dir);
  if (genesis === null) throw new Error(`consortium-setup devnet wrote no valid genesis.json in ${dir}`);
  return { genesis, reused: false };
}
