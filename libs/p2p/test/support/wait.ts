/** One poll: `done` ends the wait; `seen` (what the poll observed) goes into a timeout error. */
export interface Observation {
  readonly done: boolean;
  readonly seen: string;
}

/**
 * Polls `condition` until it holds; fails with `what` (and what the last poll saw, when the
 * condition reports an observation) after timeoutMs. Tests wait on state, never on fixed sleeps.
 * The default deadline is for a busy 2-core machine (CI beside other jobs): a wait that passes in
 * milliseconds when quiet can take seconds there, and a deadline only costs time on a failure.
 */
export async function waitFor(what: string, condition: () => boolean | Observation | Promise<boolean | Observation>, timeoutMs = 30_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen: string | null = null;
  for (;;) {
    const result = await condition();
    if (typeof result !== 'boolean') lastSeen = result.seen;
    if (typeof result === 'boolean' ? result : result.done) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${lastSeen === null ? '' : `; last seen: ${lastSeen}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Only for a check that something does NOT happen within a time; to wait for something, use waitFor. */
export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
