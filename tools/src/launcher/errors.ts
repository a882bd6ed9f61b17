/**
 * What stops `npm start`, one class per condition (callers branch on the class, never on the
 * message); each says what to do next.
 */

/** Another launcher runs on the same devnet folder (its lock file names a live process). */
export class DevnetRunningError extends Error {
  override readonly name = 'DevnetRunningError';

  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`a local consortium already runs from ${dir} (launcher pid ${pid}): stop it with Ctrl-C in its terminal, or kill ${pid}; one devnet folder runs one consortium at a time`);
  }
}

/** A supervised process (a node) exited while the consortium ran; carries the end of its log. */
export class ComponentExitedError extends Error {
  override readonly name = 'ComponentExitedError';

  constructor(
    readonly component: string,
    readonly exit: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(`${component} exited (${exit}) while the consortium ran; the end of ${logFile}:\n${logTail}`);
  }
}

/** Ctrl-C or SIGTERM arrived while the consortium was starting. */
export class StopRequestedError extends Error {
  override readonly name = 'StopRequestedError';

  constructor(readonly signal: string) {
    super(`stopped by ${signal}`);
  }
}
