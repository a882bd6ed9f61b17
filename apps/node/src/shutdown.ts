import type { Logger } from '@consortium/telemetry';
import { EXIT_CODES } from './fatal.js';

/**
 * Graceful shutdown on SIGINT and SIGTERM. The first signal stops the node (RunningNode.stop:
 * intake first, then the block being committed finishes, then p2p, the store and telemetry
 * close, logs flush) and exits 0. A second signal exits at once with its own code, and so does
 * a stop that outlives the deadline: an operator or a supervisor can always end the process, and
 * can tell a clean stop from a cut one by the code.
 */

/** How long a graceful stop may take: a commit of a full block and closing LevelDB take seconds on a busy machine. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface ShutdownHandling {
  readonly logger: Logger;
  /** Stops the node; resolves once the store and telemetry are closed. */
  readonly stop: () => Promise<void>;
  readonly exit: (code: number) => void;
  readonly deadlineMs?: number;
}

/** Handles SIGINT and SIGTERM on `target` (the process); returns the shutdown it starts, for tests. */
export function installShutdownHandlers(target: Pick<NodeJS.Process, 'on'>, handling: ShutdownHandling): (signal: ShutdownSignal) => void {
  const { logger, exit } = handling;
  const deadlineMs = handling.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  let shuttingDown = false;
  let exited = false;
  const exitOnce = (code: number) => {
    if (exited) return;
    exited = true;
    logger.flush();
    exit(code);
  };
  const shutdown = (signal: ShutdownSignal) => {
    if (shuttingDown) {
      logger.warn({ signal, exitCode: EXIT_CODES.shutdownForced }, 'second signal during shutdown: exiting now, without waiting for the stop to finish');
      exitOnce(EXIT_CODES.shutdownForced);
      return;
    }
    shuttingDown = true;
    const startedMs = Date.now();
    logger.info({ signal, deadlineMs }, 'shutting down: intake stopped, finishing the block in progress (send the signal again to exit at once)');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs, exitCode: EXIT_CODES.shutdownDeadline }, 'shutdown outlived its deadline: exiting without a clean stop');
      exitOnce(EXIT_CODES.shutdownDeadline);
    }, deadlineMs);
    handling.stop().then(
      () => {
        clearTimeout(deadline);
        logger.info({ signal, tookMs: Date.now() - startedMs }, 'stopped cleanly');
        exitOnce(EXIT_CODES.stopped);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error, exitCode: EXIT_CODES.shutdownFailed }, 'shutdown failed');
        exitOnce(EXIT_CODES.shutdownFailed);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) target.on(signal, () => shutdown(signal));
  return shutdown;
}
