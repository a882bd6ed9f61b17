import type { ConsensusMetrics, Logger } from '@consortium/telemetry';

/**
 * The process's last line of defence. Bad input never gets here: every peer and client input
 * is checked where it arrives and refused with its own error class. What does get here is truly
 * fatal (a bug, an error no one awaited): the node logs it, counts it
 * (consortium_consensus_fatal_errors_total), stops what it can within a grace period, and exits
 * with a code an operator's supervisor can tell apart.
 */

export const EXIT_CODES = {
  /** Stopped by SIGINT or SIGTERM: intake stopped, the block in progress finished, the store closed. */
  stopped: 0,
  /** The node could not start for a reason without a code of its own (the error's name is printed). */
  startFailed: 1,
  /** node.json or genesis.json is invalid (every problem is printed with its field). */
  badConfig: 10,
  /** Another process holds the data directory's LevelDB lock (another node runs on it). */
  dataDirLocked: 11,
  /** The data directory cannot be used: LevelDB files, a stored value or the WAL are damaged. */
  dataDirDamaged: 12,
  /** A p2p or HTTP address to listen on is taken. */
  portInUse: 13,
  /** The keys folder does not match what genesis pins (or genesis pins no keys for a chain with proofs). */
  artifactsMismatch: 14,
  /** The disk holding the data directory is full: at start, or a write failed while running (consensus halted). */
  diskFull: 15,
  /** Consensus halted on a fatal failure (replay, commit, persistence). */
  consensusHalted: 3,
  /** An exception or rejection nothing handled. */
  uncaught: 4,
  /** A second SIGINT or SIGTERM during a graceful stop: the process exits at once. */
  shutdownForced: 5,
  /** The graceful stop outlived its deadline (SHUTDOWN_DEADLINE_MS): the process exits anyway. */
  shutdownDeadline: 6,
  /** Stopping failed with an error (logged): the store may not have been closed cleanly. */
  shutdownFailed: 7,
} as const;

/** How long a fatal stop may take before the process exits anyway. */
export const FATAL_STOP_GRACE_MS = 5_000;

export interface FatalHandling {
  readonly logger: Logger;
  readonly metrics: ConsensusMetrics | null;
  /** Stops the node (HTTP, consensus, p2p, store, telemetry). */
  readonly stop: () => Promise<void>;
  readonly exit: (code: number) => void;
}

/** Process-level handlers for uncaught exceptions and unhandled rejections: log, count, stop, exit 4. */
export function installProcessHandlers(target: Pick<NodeJS.Process, 'on'>, handling: FatalHandling): void {
  let handled = false;
  const onFatal = (cause: 'uncaught_exception' | 'unhandled_rejection') => (error: unknown) => {
    if (handled) return;
    handled = true;
    handling.metrics?.fatalErrorsTotal.inc({ cause });
    handling.logger.fatal({ err: error, cause }, `${cause === 'uncaught_exception' ? 'uncaught exception' : 'unhandled rejection'}: the node stops`);
    void stopThenExit(handling, EXIT_CODES.uncaught);
  };
  target.on('uncaughtException', onFatal('uncaught_exception'));
  target.on('unhandledRejection', onFatal('unhandled_rejection'));
}

/** Stops the node, waiting at most FATAL_STOP_GRACE_MS, then exits with `code`. */
export async function stopThenExit(handling: Pick<FatalHandling, 'stop' | 'exit' | 'logger'>, code: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FATAL_STOP_GRACE_MS);
    timer.unref();
  });
  try {
    await Promise.race([handling.stop(), grace]);
  } catch (error) {
    handling.logger.error({ err: error }, 'stopping after a fatal failure failed');
  } finally {
    clearTimeout(timer);
    handling.logger.flush();
    handling.exit(code);
  }
}
