import type { TestTask } from './tasks.js';

/**
 * The next task for a free slot: the longest one that can start (longest-first keeps the two
 * slots' ends close: a long suite started last would run alone while the other core idles).
 * A task that needs the test artifacts can start once they are made, or once making them failed
 * (it then makes what it needs itself, or fails with its own error). Null when nothing can start
 * now. Pure.
 */
export function nextTask(pending: readonly TestTask[], artifactsSettled: boolean): TestTask | null {
  let best: TestTask | null = null;
  for (const task of pending) {
    if (task.needsArtifacts && !artifactsSettled) continue;
    if (best === null || task.expectedSeconds > best.expectedSeconds) best = task;
  }
  return best;
}
