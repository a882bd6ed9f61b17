import type { Clock, TimerHandle } from './clock.js';

/**
 * The driver's named timers: a key per purpose (a step timeout of a height and round, the
 * commit pause, the status tick), one pending timer per key. A callback never runs once the
 * node stopped or halted.
 */
export class DriverTimers {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly active: () => boolean,
  ) {}

  set(key: string, delayMs: number, callback: () => void): void {
    this.clear(key);
    this.timers.set(
      key,
      this.clock.setTimer(delayMs, () => {
        this.timers.delete(key);
        if (this.active()) callback();
      }),
    );
  }

  clear(key: string): void {
    const existing = this.timers.get(key);
    if (existing === undefined) return;
    this.clock.clearTimer(existing);
    this.timers.delete(key);
  }

  /** Clears every timer but those listed (the status tick outlives heights). */
  clearAllBut(...kept: string[]): void {
    for (const key of [...this.timers.keys()]) if (!kept.includes(key)) this.clear(key);
  }
}

export function timeoutKey(height: number, round: number, step: string): string {
  return `timeout/${height}/${round}/${step}`;
}
