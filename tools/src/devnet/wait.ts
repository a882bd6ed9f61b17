/**
 * Waiting on other processes. Nodes run as separate processes on a machine that may be busy
 * (CI shares 2 cores with other jobs), so nothing here sleeps a fixed time or compares a
 * snapshot: it polls a condition until it holds or a generous deadline passes, and a timeout
 * says what it waited for and what it saw last.
 */

/**
 * Deadlines for a busy 2-core machine: about 5x what a quiet one needs (measured figures in
 * docs/decisions.md, "A CI that does not flake"). They only cost time when something is broken.
 */
export const WAIT_DEADLINES_MS = {
  /** A node process from spawn to answering /health (tsx loads the sources: ~5 s quiet). */
  nodeStart: 180_000,
  /** Nodes reaching a height, committing transactions, becoming ready (seconds when quiet). */
  progress: 180_000,
  /** A graceful stop (SIGTERM) before the process is killed. */
  stop: 30_000,
} as const;

/** One poll: `done` ends the wait; `seen` (what the poll observed) goes into a timeout error. */
export interface Observation {
  readonly done: boolean;
  readonly seen: string;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';

  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastSeen: string | null,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for: ${what}${lastSeen === null ? '' : `; last seen: ${lastSeen}`}`);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true (or an observation that is done).
 * An error thrown by `check` ends the wait at once (a process that exited will not come back).
 */
export async function waitFor(
  what: string,
  check: () => boolean | Observation | Promise<boolean | Observation>,
  timeoutMs: number = WAIT_DEADLINES_MS.progress,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen: string | null = null;
  for (;;) {
    const result = await check();
    const done = typeof result === 'boolean' ? result : result.done;
    if (typeof result !== 'boolean') lastSeen = result.seen;
    if (done) return;
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs, lastSeen);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
