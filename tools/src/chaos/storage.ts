import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LevelChainStore, parseGenesis } from '@consortium/consensus';
import { loadNodeConfig } from '@consortium/node-config';
import { drawIndex } from '../traffic/seeded.js';
import { NodeExitedError, runNodeCli, type NodeProcess } from '../devnet/processes.js';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import type { ChaosDevnet } from './chaos-devnet.js';
import { SteadyLoad } from './load.js';
import { maxHeight, median } from './kill-restart.js';
import type { ScenarioReport } from './report.js';

/**
 * Storage faults on a real node process: kill -9 under load, damage the member's chain store as
 * a failing disk would, start it again. A store LevelDB cannot open, or whose signer record
 * does not read, must stop the start with exit 12 and advice naming `consortium-node resync`;
 * the resync (with `--fence-height`, the height another member reports, when the record is
 * lost) must bring the node back by block sync without it signing twice; a truncated LevelDB
 * log must cost nothing synced. After the last cycle: no fork, no evidence, every acknowledged
 * transaction committed exactly once.
 */

export const STORAGE_FAULTS = ['manifest', 'signer-record', 'log-tail'] as const;
export type StorageFault = (typeof STORAGE_FAULTS)[number];

export interface StorageFaultsOptions {
  readonly cycles: number;
  readonly txPerSecond: number;
  readonly seed: string;
  /** The faults to cycle through, in order (all by default). */
  readonly faults?: readonly StorageFault[];
}

export interface StorageCycle {
  readonly victim: string;
  readonly fault: StorageFault;
  /** The start on the damaged store refused with exit 12 (false: LevelDB coped, the node started). */
  readonly refused: boolean;
  /** The resync fenced the signer at another member's height (its record was unreadable). */
  readonly fenced: boolean;
  /** From the restart after the fault (or after the resync) until it reached the others' height. */
  readonly catchUpMs: number;
}

export interface StorageFaultsReport extends ScenarioReport {
  readonly cycles: readonly StorageCycle[];
}

export async function storageFaults(devnet: ChaosDevnet, options: StorageFaultsOptions, log: (line: string) => void): Promise<StorageFaultsReport> {
  const { consortium } = devnet;
  const faults = options.faults ?? STORAGE_FAULTS;
  const startedMs = Date.now();
  const load = new SteadyLoad(() => consortium.running, { txPerSecond: options.txPerSecond, tag: `storage-${options.seed}` });
  const cycles: StorageCycle[] = [];
  load.start();
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const fault = faults[(cycle - 1) % faults.length]!;
      const victim = devnet.nodes[drawIndex(devnet.nodes.length, options.seed, 'storage-victim', cycle)]!;
      await consortium.waitHeight(maxHeight(await consortium.heights()) + 1, WAIT_DEADLINES_MS.progress);
      await victim.kill('SIGKILL');
      const survivors = consortium.running;
      await damage(victim, fault);
      const refused = await startRefused(victim);
      let fenced = false;
      if (refused) {
        if (!refused.includes(`consortium-node resync --config ${victim.configFile}`)) throw new Error(`${victim.memberId} refused its damaged store without naming the resync command:\n${refused}`);
        fenced = await resync(victim, survivors, log);
      }
      const restartedMs = Date.now();
      if (!victim.running) await victim.start();
      await consortium.waitHeight(maxHeight(await consortium.heights(survivors)), WAIT_DEADLINES_MS.progress, [victim]);
      const catchUpMs = Date.now() - restartedMs;
      cycles.push({ victim: victim.memberId, fault, refused: refused !== null, fenced, catchUpMs });
      log(`cycle ${cycle}/${options.cycles}: ${fault} of ${victim.memberId}: ${refused === null ? 'started as it was' : `refused (exit 12), resynced${fenced ? ' with a fence' : ''}`}, caught up ${(catchUpMs / 1000).toFixed(1)} s after its start`);
    }
  } finally {
    await load.stop();
  }
  await waitFor('every node running', () => consortium.running.length === devnet.nodes.length);
  const verification = await devnet.verify(load.acknowledged);
  const figures = load.figures();
  const count = (predicate: (cycle: StorageCycle) => boolean) => cycles.filter(predicate).length;
  return {
    scenario: 'storage',
    members: devnet.nodes.length,
    seed: options.seed,
    durationMs: Date.now() - startedMs,
    injected: [
      `${options.cycles} kill -9 of a random node under load, its chain store then damaged: ${faults.map((fault) => `${fault} ${count((c) => c.fault === fault)}`).join(', ')}`,
      'manifest: LevelDB\'s MANIFEST overwritten (the store cannot open); signer-record: the last-signed record\'s bytes replaced (its checksum fails); log-tail: the newest LevelDB log cut mid-record',
      `steady load of ${options.txPerSecond} tx/s (POST /v1/txs, spread over the running nodes)`,
    ],
    checks: [
      'a store that cannot be used stops the start with exit 12 and advice naming `consortium-node resync --config <node.json>`',
      '`consortium-node resync` keeps the signer record (or, when it is unreadable, refuses without --fence-height and fences at the height another member reports)',
      'the node catches up by block sync after the resync; a truncated log costs nothing synced',
      'no fork: every height the same block on every node, each certificate a quorum of distinct members',
      'no node double-signed: no equivocation evidence on any node',
      'every acknowledged transaction committed exactly once',
    ],
    figures: {
      'transactions acknowledged (202)': figures.acknowledged,
      'acknowledged and committed': verification.acknowledged.committed,
      'lost or doubled': verification.acknowledged.missing.length + verification.acknowledged.duplicated.length,
      'starts refused with exit 12, then resynced': count((c) => c.refused),
      'resyncs fenced at another member\'s height': count((c) => c.fenced),
      'chain height at the end': verification.height,
      'catch-up after the start, median / max': `${median(cycles.map((c) => c.catchUpMs))} / ${Math.max(...cycles.map((c) => c.catchUpMs))} ms`,
    },
    verification,
    cycles,
  };
}

async function filesOf(node: NodeProcess): Promise<{ readonly chainDir: string; readonly genesisFile: string }> {
  const config = await loadNodeConfig(node.configFile);
  return { chainDir: join(config.dataDir, 'chain'), genesisFile: config.genesisFile };
}

/** Damages the stopped node's chain store as a failing disk would. */
async function damage(node: NodeProcess, fault: StorageFault): Promise<void> {
  const { chainDir, genesisFile } = await filesOf(node);
  const files = await readdir(chainDir);
  if (fault === 'manifest') {
    for (const file of files) if (file.startsWith('MANIFEST-')) await writeFile(join(chainDir, file), 'not a LevelDB manifest');
  } else if (fault === 'signer-record') {
    const genesis = parseGenesis(JSON.parse(await readFile(genesisFile, 'utf8')) as unknown);
    const store = await LevelChainStore.open(chainDir, { limits: genesis.consensus, metrics: null });
    try {
      await store.writeLastSignedRecord(Uint8Array.of(0xde, 0xad));
    } finally {
      await store.close();
    }
  } else {
    const log = files.filter((file) => file.endsWith('.log')).sort().at(-1);
    if (log === undefined) return;
    const { size } = await stat(join(chainDir, log));
    // Into the last record (records are small; half of the last 64 KiB block is within the tail).
    await truncate(join(chainDir, log), Math.max(0, size - Math.min(size, 97)));
  }
}

/** Starts the node; the refusal's log when it exits instead (null when it started). */
async function startRefused(node: NodeProcess): Promise<string | null> {
  try {
    await node.start();
    return null;
  } catch (error) {
    if (!(error instanceof NodeExitedError)) throw error;
    if (error.exit !== 'code 12') throw new Error(`${node.memberId} exited with ${error.exit} on a damaged store, not 12`, { cause: error });
    return error.message;
  }
}

/**
 * Runs `consortium-node resync` as an operator would: first without a fence; when it answers
 * that the record is unreadable, again with the height a surviving member reports.
 */
async function resync(node: NodeProcess, survivors: readonly NodeProcess[], log: (line: string) => void): Promise<boolean> {
  const first = await runNodeCli(['resync', '--config', node.configFile]);
  if (first.code === 0) return false;
  if (!first.output.includes('--fence-height')) throw new Error(`consortium-node resync failed (${first.code}) for another reason:\n${first.output}`);
  let height = 0;
  await waitFor(`${survivors[0]!.memberId} reports its height`, async () => {
    height = (await survivors[0]!.status())?.consensus.height ?? 0;
    return height > 0;
  });
  log(`  ${node.memberId}'s signer record is unreadable: resync with --fence-height ${height} (${survivors[0]!.memberId}'s height)`);
  const fenced = await runNodeCli(['resync', '--config', node.configFile, '--fence-height', String(height)]);
  if (fenced.code !== 0) throw new Error(`consortium-node resync --fence-height ${height} failed (${fenced.code}):\n${fenced.output}`);
  return true;
}
