import type { Clock, TimerHandle } from '../node/clock.js';

/**
 * Virtual time: a queue of events ordered by (time, sequence). The simulation pops one event,
 * runs it, lets the code it woke settle, and pops the next; nothing depends on the wall clock.
 */

interface ScheduledEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

export class Scheduler {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  nowMs = 0;
  processed = 0;

  schedule(delayMs: number, run: () => void): ScheduledEvent {
    const event: ScheduledEvent = { atMs: this.nowMs + Math.max(0, delayMs), seq: this.seq++, run, cancelled: false };
    this.push(event);
    return event;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Pops and runs the next live event; false when none is left. */
  runNext(): boolean {
    for (;;) {
      const event = this.pop();
      if (event === undefined) return false;
      if (event.cancelled) continue;
      this.nowMs = event.atMs;
      this.processed += 1;
      event.run();
      return true;
    }
  }

  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }
}

/**
 * The clock of one node incarnation. Disabling it (when the node crashes) cancels its timers,
 * so nothing of a crashed incarnation ever runs again. An exception escaping a timer callback
 * is what kills a real process (Node.js exits on it): it goes to `onUncaught`, not up the
 * simulator's stack.
 */
export class SimClock implements Clock {
  private readonly timers = new Set<ScheduledEvent>();
  private enabled = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly onUncaught: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {}

  nowMs(): number {
    return this.scheduler.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const event = this.scheduler.schedule(delayMs, () => {
      this.timers.delete(event);
      if (!this.enabled) return;
      try {
        callback();
      } catch (error) {
        this.onUncaught(error);
      }
    });
    if (!this.enabled) event.cancelled = true;
    this.timers.add(event);
    return { id: event };
  }

  clearTimer(handle: TimerHandle): void {
    const event = handle.id as ScheduledEvent;
    event.cancelled = true;
    this.timers.delete(event);
  }

  disable(): void {
    this.enabled = false;
    for (const event of this.timers) event.cancelled = true;
    this.timers.clear();
  }
}
