#!/usr/bin/env node
// consortium-node --config <node.json>: runs one member's node until SIGINT or SIGTERM (exit 0),
// or until consensus halts on a fatal failure (exit 3) or something nothing handled happens
// (exit 4). Exit codes: src/fatal.ts and the README.
import { Command } from 'commander';
import { loadNodeConfig } from './config.js';
import { EXIT_CODES, installProcessHandlers, stopThenExit } from './fatal.js';
import { startNode } from './node.js';
import { installShutdownHandlers } from './shutdown.js';
import { describeStartFailure } from './start-error.js';

async function main(): Promise<void> {
  const program = new Command('consortium-node')
    .description('Runs one member node of the SP Consortium Chain: p2p, BFT consensus, the HTTP API, /metrics.')
    .requiredOption('-c, --config <file>', 'the node configuration (node.json, e.g. from `consortium-setup devnet`)')
    .parse();
  const { config: configFile } = program.opts<{ config: string }>();
  // The overhead benchmark's uninstrumented runs (node.ts, StartNodeOptions.instrumented).
  const node = await startNode(await loadNodeConfig(configFile), { instrumented: process.env.CONSORTIUM_BENCH_UNINSTRUMENTED !== '1' });
  const { logger, metrics } = node.telemetry;
  const exit = (code: number) => process.exit(code);
  installProcessHandlers(process, { logger, metrics: metrics.consensus, stop: () => node.stop(), exit });
  // Fatal means stop: consensus counted and logged the failure; the process stops cleanly and says so.
  node.consensus.onHalt((error) => {
    logger.fatal({ err: error, reason: error.reason }, 'consensus halted: the node stops');
    void stopThenExit({ logger, stop: () => node.stop(), exit }, EXIT_CODES.consensusHalted);
  });
  // SIGINT / SIGTERM: a graceful stop and exit 0; a second signal or the deadline cuts it short (shutdown.ts).
  installShutdownHandlers(process, { logger, stop: () => node.stop(), exit });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // One exit code per condition an operator can act on, and the next step (README's table).
  const { exitCode, advice } = describeStartFailure(error);
  console.error(`consortium-node: could not start: ${message}`);
  console.error(advice);
  process.exit(exitCode);
});
