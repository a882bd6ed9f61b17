/**
 * Runs tasks one at a time, in submission order: the single routine through which every
 * change of consensus state passes (CometBFT's receiveRoutine). Its length is bounded by its
 * producers: peer inputs by a per-peer quota (input-quota.ts), the node's own events by their
 * nature (one timer per step, one status tick, one sync block at a time).
 *
 * A task that throws is fatal: inputs are validated before they are queued, so what fails in
 * here is a replay, a commit, a write or a bug, and the routine stops (CometBFT halts the same
 * way). Later tasks are skipped; `onFatal` hears of the first failure once.
 */
export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private failed = false;
  private closed = false;

  constructor(private readonly onFatal: (error: unknown) => void) {}

  get length(): number {
    return this.pending;
  }

  get stopped(): boolean {
    return this.failed || this.closed;
  }

  /** The node stops: tasks submitted from now on are not run (and are no failure). */
  close(): void {
    this.closed = true;
  }

  /** Queues a task; its failure halts the routine (never an unhandled rejection). */
  push(task: () => Promise<void> | void): void {
    void this.run(task).catch(() => undefined);
  }

  /** Queues a task and waits for it; its failure halts the routine and rejects the returned promise. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(async () => {
      if (this.failed || this.closed) throw new TaskQueueStoppedError();
      return task();
    });
    this.tail = result.then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof TaskQueueStoppedError) && !this.failed) {
          this.failed = true;
          this.onFatal(error);
        }
      },
    );
    return result.finally(() => {
      this.pending -= 1;
    });
  }

  /** Resolves when every task submitted so far has finished (or been skipped after a failure). */
  idle(): Promise<void> {
    return this.tail;
  }
}

/** A task that reached the head of the queue after the routine stopped (a fatal failure or stop()): not run. */
export class TaskQueueStoppedError extends Error {
  override readonly name = 'TaskQueueStoppedError';
  constructor() {
    super('the consensus routine has stopped');
  }
}
