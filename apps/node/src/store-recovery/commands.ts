// `consortium-node resync` and `consortium-node restore`: an operator's ways back from a damaged
// chain store (exit code 12) or to a backup, run while the node is stopped. The work is the
// consensus library's (recovery/chain-recovery.ts); this turns node.json into its options and
// the outcome into lines an operator reads at 3 a.m.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseGenesis, resyncChainStore, restoreChainStore, toHex, type LastSigned, type RecoveryOutcome } from '@consortium/consensus';
import { loadNodeConfig } from '../config.js';

export interface RecoveryCommandOptions {
  readonly fenceHeight?: number;
  /** Where each line goes (stdout by default). */
  readonly say?: (line: string) => void;
}

/** The chain store's folder and its limits (from genesis), for a node.json. */
async function chainStoreOf(configFile: string): Promise<{ directory: string; limits: ReturnType<typeof parseGenesis>['consensus'] }> {
  const config = await loadNodeConfig(configFile);
  const genesis = parseGenesis(JSON.parse(await readFile(config.genesisFile, 'utf8')) as unknown);
  return { directory: join(config.dataDir, 'chain'), limits: genesis.consensus };
}

export async function resyncCommand(configFile: string, options: RecoveryCommandOptions = {}): Promise<RecoveryOutcome> {
  const say = options.say ?? ((line: string) => console.log(line));
  const { directory, limits } = await chainStoreOf(configFile);
  say(`resync: reading what ${directory} holds that the other members cannot send back (the signer's record, acknowledged transactions)`);
  const outcome = await resyncChainStore(directory, { limits, ...(options.fenceHeight === undefined ? {} : { fenceHeight: options.fenceHeight }) });
  report(outcome, say);
  say(`resync: ${directory} is a new, empty store. Start the node as usual (consortium-node --config ${configFile}): it fetches the chain from the other members (block sync) and ${signingLimit(outcome.lastSigned, outcome.fenced)}.`);
  return outcome;
}

export async function restoreCommand(configFile: string, backupDirectory: string, options: RecoveryCommandOptions = {}): Promise<RecoveryOutcome> {
  const say = options.say ?? ((line: string) => console.log(line));
  const { directory, limits } = await chainStoreOf(configFile);
  say(`restore: putting the backup ${backupDirectory} in place of ${directory}, keeping the newer signer record`);
  const outcome = await restoreChainStore(directory, { limits, backupDirectory, ...(options.fenceHeight === undefined ? {} : { fenceHeight: options.fenceHeight }) });
  report(outcome, say);
  say(`restore: done. Start the node as usual (consortium-node --config ${configFile}): it syncs the blocks committed since the backup.`);
  return outcome;
}

function report(outcome: RecoveryOutcome, say: (line: string) => void): void {
  const { salvaged } = outcome;
  if (salvaged.repaired) say('  LevelDB could not open the store as it was: a copy was repaired to read it (the original is kept untouched)');
  if (salvaged.lastSignedProblem !== null) say(`  the signer's record could not be read: ${salvaged.lastSignedProblem}`);
  say(`  signer record kept: ${describeRecord(outcome.lastSigned, outcome.fenced)}`);
  say(`  acknowledged transactions kept: ${outcome.pendingTxs}${salvaged.pendingTxsDamaged > 0 ? ` (${salvaged.pendingTxsDamaged} damaged, left behind)` : ''}`);
  if (salvaged.latestHeight !== null) say(`  the old store had committed height ${salvaged.latestHeight}`);
  if (outcome.movedTo !== null) say(`  the old store is kept at ${outcome.movedTo}: delete it once the node runs again`);
}

function describeRecord(record: LastSigned | null, fenced: boolean): string {
  if (record === null) return 'none (this node never signed)';
  if (fenced) return `a fence at height ${record.height} (the node signs nothing at or below it)`;
  return `height ${record.height}, round ${record.round}, ${record.step}${record.valueHash === null ? ' for nil' : ` for block ${toHex(record.valueHash).slice(0, 12)}`}`;
}

function signingLimit(record: LastSigned | null, fenced: boolean): string {
  if (record === null) return 'signs as any new validator';
  if (fenced) return `signs nothing at or below height ${record.height}`;
  return `never signs a second time at or before height ${record.height}, round ${record.round}, ${record.step}`;
}
