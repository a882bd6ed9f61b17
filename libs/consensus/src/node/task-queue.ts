/**
 * Runs tasks one at a time, in submission order: the single routine through which every
 * change of consensus state passes (CometBFT's receiveRoutine). A failing task is reported and
 * does not stop the ones after it.
 */
export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly onError: (error: unknown) => void) {}

  get length(): number {
    return this.pending;
  }

  push(task: () => Promise<void> | void): Promise<void> {
    this.pending += 1;
    const run = this.tail.then(task).catch(this.onError).finally(() => {
      this.pending -= 1;
    });
    this.tail = run;
    return run;
  }

  /** Resolves when every task submitted so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
