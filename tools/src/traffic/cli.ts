// The traffic generator as a process: `npm start` runs it (one more supervised component, its
// output in .devnet/traffic.log) once every node is ready; it can also run by hand against a
// running consortium. JSON log lines on stdout (pino); SIGTERM or Ctrl-C stops it between
// requests. Exit codes: 0 done or stopped, 1 failed, 2 bad options.
import { resolve } from 'node:path';
import { CommanderError } from 'commander';
import { pino } from 'pino';
import { memberNodes } from './endpoints.js';
import { TrafficOptionsError } from './errors.js';
import { parseTrafficArgs } from './options.js';
import { runTraffic } from './runner.js';

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const TRAFFIC_EXIT = { done: 0, failed: 1, badOptions: 2 } as const;

// Synchronous writes: with pino's asynchronous default, a write still in flight when the process
// exits lands after the exit's flush, and the log's last lines came out of order (its end is what
// says how the generator ended).
const log = pino({ base: { component: 'traffic' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));

async function main(): Promise<number> {
  const { endpointsFile, options } = parseTrafficArgs(process.argv, repositoryRoot);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(new StopSignal(signal));
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const nodes = await memberNodes(endpointsFile, { signal: stop.signal });
  try {
    await runTraffic({ nodes, options, log, signal: stop.signal });
    return TRAFFIC_EXIT.done;
  } catch (error) {
    if (stop.signal.aborted) {
      log.info({ step: 'stopped', signal: (stop.signal.reason as StopSignal).signal }, 'traffic stopped');
      return TRAFFIC_EXIT.done;
    }
    throw error;
  }
}

class StopSignal extends Error {
  override readonly name = 'StopSignal';

  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}

// process.exit: keep-alive sockets of the last requests would hold the process for seconds.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : TRAFFIC_EXIT.badOptions);
    if (error instanceof TrafficOptionsError) {
      log.error({ step: 'failed', error: error.name, field: error.field }, error.message);
      process.exit(TRAFFIC_EXIT.badOptions);
    }
    log.error({ step: 'failed', err: error }, `traffic failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(TRAFFIC_EXIT.failed);
  },
);
