/**
 * Runs async tasks one at a time, in the order they were queued. The application interface
 * promises it is never called concurrently; the mempool keeps that promise for its own calls,
 * and the order also makes admission order equal arrival order. Only promise microtasks: no
 * timers, so the simulator stays deterministic. A failed task does not stop the ones after it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
