// `npm start` (README line 1): the local consortium. Demo ZKP keys when missing (kept in
// .devnet/keys and reused), member keys and genesis, one node process per member on loopback,
// a table of what runs where and .devnet/endpoints.json; Ctrl-C stops every node. The steps
// live in launcher/launch.ts; this file parses the command line, turns signals into a stop and
// is the one place that prints a failure and sets the exit code.
import { resolve } from 'node:path';
import { CommanderError } from 'commander';
import { SetupCliError } from './devnet/processes.js';
import { LAUNCH_EXIT, launch } from './launcher/launch.js';
import { parseLauncherArgs } from './launcher/options.js';
import { lineProgress } from './launcher/progress.js';

const repositoryRoot = resolve(import.meta.dirname, '../..');

/**
 * A signal within this long of the first is the same Ctrl-C: under `npm start` one Ctrl-C reaches
 * the launcher from the terminal and again from npm and tsx, which forward it.
 */
const REPEATED_SIGNAL_MS = 2_000;

/** The first Ctrl-C or SIGTERM stops the consortium gracefully; a later one kills the nodes at once. */
function stopSignals(): { readonly stop: AbortSignal; readonly force: AbortSignal } {
  const stop = new AbortController();
  const force = new AbortController();
  let firstAtMs = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      firstAtMs = Date.now();
      stop.abort(signal);
      process.stderr.write(`\n${signal}: stopping every node (Ctrl-C again kills them at once)\n`);
    } else if (Date.now() - firstAtMs > REPEATED_SIGNAL_MS) {
      force.abort(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { stop: stop.signal, force: force.signal };
}

async function main(): Promise<number> {
  const options = parseLauncherArgs(process.argv, repositoryRoot);
  const { stop, force } = stopSignals();
  return launch(options, { progress: lineProgress((text) => process.stderr.write(text)), out: (text) => process.stdout.write(text) }, stop, force);
}

// process.exit: idle keep-alive sockets of the readiness polls would hold the process for seconds.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; bad options were already printed by commander.
      process.exit(error.exitCode);
    }
    const described = error instanceof SetupCliError ? `${error.name}: consortium-setup ${error.args.join(' ')} failed (${error.exit}):\n${error.output}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`\n✖ npm start failed: ${described}\n`);
    if (process.env.CONSORTIUM_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(LAUNCH_EXIT.failed);
  },
);
