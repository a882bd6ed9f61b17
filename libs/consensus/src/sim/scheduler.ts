import type { Clock, TimerHandle } from '../node/clock.js';
import type { SimRandom } from './random.js';

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

/** How far skewed clocks go (the clock-skew fault class). */
export interface ClockSkewLimits {
  /** A clock is ahead of true time by 0 to this many ms (never behind genesis time). */
  readonly offsetMaxMs: number;
  /** For a stretch at a time a clock runs fast or slow by up to this share (0.05: 5 %). */
  readonly rateSpread: number;
  /** How long a stretch lasts, in true ms (min, max). */
  readonly stretchMs: readonly [number, number];
}

/**
 * One member's wall clock when clocks are skewed: ahead of true (virtual) time by an offset that
 * moves, as NTP slews a drifting crystal. Time runs in stretches of a few seconds, each at its own
 * rate (up to `rateSpread` fast or slow), chosen so the offset stays within [0, offsetMaxMs]: the
 * member's timers last longer or shorter than their nominal delay, and its block times differ
 * from the others' by up to the offset bound. The machine's clock, not the process's: every
 * incarnation of a member reads the same one. Stretches come from the member's own random source
 * and are drawn in order, whoever asks the time, so a seed replays exactly.
 */
export class SkewedTime {
  private stretchStartMs = 0;
  private stretchStartLocalMs: number;
  private stretchEndMs = 0;
  private rate = 1;

  constructor(
    private readonly random: SimRandom,
    private readonly limits: ClockSkewLimits,
  ) {
    this.stretchStartLocalMs = random.int(0, limits.offsetMaxMs);
    this.nextStretch();
  }

  /** This clock's reading at true time `trueMs` (never decreasing). */
  localMs(trueMs: number): number {
    this.advanceTo(trueMs);
    return Math.floor(this.stretchStartLocalMs + (trueMs - this.stretchStartMs) * this.rate);
  }

  /** True ms until this clock has counted `localDelayMs` from `trueMs`, at its current rate. */
  trueDelayMs(trueMs: number, localDelayMs: number): number {
    this.advanceTo(trueMs);
    return Math.ceil(localDelayMs / this.rate);
  }

  /** The offset from true time at `trueMs`, for the report. */
  offsetMs(trueMs: number): number {
    return this.localMs(trueMs) - trueMs;
  }

  private advanceTo(trueMs: number): void {
    // Bounded: a stretch lasts at least stretchMs[0] > 0, and virtual time is finite.
    while (trueMs >= this.stretchEndMs) {
      this.stretchStartLocalMs += (this.stretchEndMs - this.stretchStartMs) * this.rate;
      this.stretchStartMs = this.stretchEndMs;
      this.nextStretch();
    }
  }

  private nextStretch(): void {
    const { offsetMaxMs, rateSpread, stretchMs } = this.limits;
    const lengthMs = this.random.int(stretchMs[0], stretchMs[1]);
    const offsetMs = this.stretchStartLocalMs - this.stretchStartMs;
    // The rates that keep the offset within bounds at the stretch's end, within the spread.
    const slowest = Math.max(1 - rateSpread, 1 - offsetMs / lengthMs);
    const fastest = Math.min(1 + rateSpread, 1 + (offsetMaxMs - offsetMs) / lengthMs);
    const ppm = this.random.int(Math.ceil(slowest * 1e6), Math.floor(fastest * 1e6));
    this.rate = ppm / 1e6;
    this.stretchEndMs = this.stretchStartMs + lengthMs;
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
    /** The member's skewed wall clock; null: true virtual time. */
    private readonly skew: SkewedTime | null = null,
  ) {}

  nowMs(): number {
    return this.skew === null ? this.scheduler.nowMs : this.skew.localMs(this.scheduler.nowMs);
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const trueDelayMs = this.skew === null ? delayMs : this.skew.trueDelayMs(this.scheduler.nowMs, delayMs);
    const event = this.scheduler.schedule(trueDelayMs, () => {
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
