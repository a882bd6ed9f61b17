#!/usr/bin/env node
// consortium-node --config <node.json>: runs one member's node until SIGINT or SIGTERM.
import { Command } from 'commander';
import { loadNodeConfig } from './config.js';
import { startNode } from './node.js';

async function main(): Promise<void> {
  const program = new Command('consortium-node')
    .description('Runs one member node of the SP Consortium Chain: p2p, BFT consensus, the HTTP API, /metrics.')
    .requiredOption('-c, --config <file>', 'the node configuration (node.json, e.g. from `consortium-setup devnet`)')
    .parse();
  const { config: configFile } = program.opts<{ config: string }>();
  const node = await startNode(await loadNodeConfig(configFile));
  const shutdown = (signal: string) => {
    node.telemetry.logger.info({ signal }, 'shutting down');
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`consortium-node: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`consortium-node: could not start: ${message}`);
  console.error('Check the configuration file and the key files it names; `consortium-setup devnet --out <dir>` writes a working set.');
  process.exit(1);
});
