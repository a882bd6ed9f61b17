#!/usr/bin/env node
// consortium-node --config <node.json>: runs one member's node until SIGINT or SIGTERM (exit 0),
// or until consensus halts on a fatal failure (exit 3; 15 when the disk is full) or something
// nothing handled happens (exit 4). Exit codes: src/fatal.ts and the README.
// consortium-node resync | restore: recover the chain store while the node is stopped.
import { isDiskFull, StoreLockedError } from '@consortium/consensus';
import { Command, InvalidArgumentError } from 'commander';
import { loadNodeConfig } from './config.js';
import { EXIT_CODES, installProcessHandlers, stopThenExit } from './fatal.js';
import { startNode, type RunningNode } from './node.js';
import { installShutdownHandlers } from './shutdown.js';
import { describeStartFailure } from './start-error.js';
import { resyncCommand, restoreCommand } from './store-recovery/commands.js';

async function main(): Promise<void> {
  const program = new Command('consortium-node')
    .description('Runs one member node of the SP Consortium Chain: p2p, BFT consensus, the HTTP API, /metrics.')
    .option('-c, --config <file>', 'the node configuration (node.json, e.g. from `consortium-setup devnet`)')
    // `--config` after a subcommand is the subcommand's own.
    .enablePositionalOptions()
    .action(async (options: { config?: string }) => {
      if (options.config === undefined) return program.error("error: required option '-c, --config <file>' not specified");
      await run(options.config);
    });
  program
    .command('resync')
    .description(
      'Replaces a damaged chain store (exit code 12) with an empty one the node fills by block sync, keeping the signer\'s last-signed record and acknowledged transactions. Run it while the node is stopped; the old store is moved aside, not deleted.',
    )
    .requiredOption('-c, --config <file>', 'the node configuration (node.json)')
    .option('--fence-height <height>', "only when the signer's record is unreadable: the chain's current height from another member (GET /v1/status); the node signs nothing at or below it", parseHeight)
    .action(async (options: { config: string; fenceHeight?: number }) => {
      await recovering('resync', () => resyncCommand(options.config, options.fenceHeight === undefined ? {} : { fenceHeight: options.fenceHeight }));
    });
  program
    .command('restore')
    .description("Puts a backup of the chain store in place, keeping the newer of the two signer records (a backup alone would let the node sign twice). Run it while the node is stopped.")
    .requiredOption('-c, --config <file>', 'the node configuration (node.json)')
    .requiredOption('--from <dir>', 'the backup: a copy of <dataDir>/chain made while the node was stopped')
    .option('--fence-height <height>', "only when the current store's signer record is unreadable: the chain's current height from another member", parseHeight)
    .action(async (options: { config: string; from: string; fenceHeight?: number }) => {
      await recovering('restore', () => restoreCommand(options.config, options.from, options.fenceHeight === undefined ? {} : { fenceHeight: options.fenceHeight }));
    });
  await program.parseAsync();
}

function parseHeight(value: string): number {
  const height = Number(value);
  if (!Number.isSafeInteger(height) || height < 1) throw new InvalidArgumentError('a height is a positive integer');
  return height;
}

/** A recovery command's failure: what went wrong and what to do, exit 1 (11 while a node holds the store). */
async function recovering(command: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const locked = error instanceof StoreLockedError;
    console.error(`consortium-node ${command}: ${error instanceof Error ? error.message : String(error)}`);
    if (locked) console.error('Stop the node running on this data directory first, then run the command again.');
    process.exit(locked ? EXIT_CODES.dataDirLocked : EXIT_CODES.startFailed);
  }
}

async function run(configFile: string): Promise<void> {
  let node: RunningNode;
  let dataDir: string;
  try {
    const config = await loadNodeConfig(configFile);
    dataDir = config.dataDir;
    // The overhead benchmark's uninstrumented runs (node.ts, StartNodeOptions.instrumented).
    node = await startNode(config, { instrumented: process.env.CONSORTIUM_BENCH_UNINSTRUMENTED !== '1' });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // One exit code per condition an operator can act on, and the next step (README's table).
    const { exitCode, advice } = describeStartFailure(error, configFile);
    console.error(`consortium-node: could not start: ${message}`);
    console.error(advice);
    process.exit(exitCode);
  }
  const { logger, metrics } = node.telemetry;
  const exit = (code: number) => process.exit(code);
  installProcessHandlers(process, { logger, metrics: metrics.consensus, stop: () => node.stop(), exit });
  // Fatal means stop: consensus counted and logged the failure; the process stops cleanly and says so.
  node.consensus.onHalt((error) => {
    const diskFull = isDiskFull(error);
    logger.fatal({ err: error, reason: error.reason, diskFull }, diskFull ? `consensus halted: the disk holding ${dataDir} is full; free space, then restart the node` : 'consensus halted: the node stops');
    void stopThenExit({ logger, stop: () => node.stop(), exit }, diskFull ? EXIT_CODES.diskFull : EXIT_CODES.consensusHalted);
  });
  // SIGINT / SIGTERM: a graceful stop and exit 0; a second signal or the deadline cuts it short (shutdown.ts).
  installShutdownHandlers(process, { logger, stop: () => node.stop(), exit });
}

main().catch((error: unknown) => {
  console.error(`consortium-node: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exit(EXIT_CODES.startFailed);
});
