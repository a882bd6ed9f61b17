import { NodeApiError } from './client.js';

/**
 * A request the node refused for now, sent again: 503 (a full mempool, a counterparty's node not
 * reachable yet; nothing was kept) and the 409 codes the caller names (a rule that holds later:
 * the batch not yet committed on this node, the records not yet arrived, the period not yet
 * settled). Branches on the status and the stable `error` code, never on message text.
 */

export const RETRY = {
  intervalMs: 2_000,
  /** 3 minutes of "not yet" at most, as long as the other waits. */
  attempts: 90,
} as const;

export interface RetryOptions {
  /** 409 codes that mean "not yet". */
  readonly conflicts?: readonly string[];
  readonly signal: AbortSignal;
  readonly onRetry?: (error: NodeApiError, attempt: number) => void;
  readonly intervalMs?: number;
  readonly attempts?: number;
}

export function isTransient(error: unknown, conflicts: readonly string[]): error is NodeApiError {
  return error instanceof NodeApiError && (error.status === 503 || (error.status === 409 && conflicts.includes(error.code)));
}

export async function retrying<T>(action: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { conflicts = [], signal, intervalMs = RETRY.intervalMs, attempts = RETRY.attempts } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (!isTransient(error, conflicts) || attempt >= attempts || signal.aborted) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      signal.throwIfAborted();
    }
  }
}
