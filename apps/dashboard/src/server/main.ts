#!/usr/bin/env node
// consortium-dashboard --devnet <dir> | --targets <file> [options]: serves the live dashboard until
// SIGINT or SIGTERM (exit 0; a second signal exits 130 at once). Exit 2 on a bad command line,
// 1 when it cannot start (its reason on stderr).
import { CommanderError } from 'commander';
import { parseDashboardArgs } from './options.js';
import { startDashboard } from './start.js';

const EXIT = { stopped: 0, failed: 1, usage: 2, forced: 130 } as const;

/** Aborted by SIGINT or SIGTERM before the dashboard serves (a stop, not a failure). */
const starting = new AbortController();

async function main(): Promise<void> {
  let options;
  try {
    options = parseDashboardArgs(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
    throw error;
  }
  let stopping: Promise<void> | null = null;
  let running: Awaited<ReturnType<typeof startDashboard>> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping !== null) process.exit(EXIT.forced);
    starting.abort(new Error(`stopped by ${signal} while waiting for the member list`));
    stopping = (async () => {
      await running?.stop();
      process.exit(EXIT.stopped);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (options.devnetDir !== null) console.log(`consortium-dashboard: waiting for ${options.targetsFile}`);
  running = await startDashboard(options, starting.signal);
  const link = running.token === null ? `${running.url}/` : `${running.url}/#token=${running.token}`;
  console.log(`dashboard: ${link}`);
}

main().catch((error: unknown) => {
  if (starting.signal.aborted) process.exit(EXIT.stopped);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`consortium-dashboard: could not start: ${message}`);
  process.exit(EXIT.failed);
});
