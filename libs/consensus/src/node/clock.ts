/**
 * Time as the driver sees it. The real node passes systemClock; the simulator passes a virtual
 * clock whose timers fire when the simulation says so, which makes a run replayable.
 */
export interface Clock {
  nowMs(): number;
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (delayMs, callback) => {
    const timer = setTimeout(callback, delayMs);
    timer.unref?.();
    return { id: timer };
  },
  clearTimer: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
};
