/**
 * The launcher's progress, as plain lines on stderr (the table of what runs goes to stdout): a
 * step prints when it starts and when it ends, with its elapsed time; the lines a child prints
 * (consortium-setup's own steps) are indented under it. Plain lines read the same in a terminal,
 * a pipe and a CI log.
 */

export interface LaunchProgress {
  /** Runs `work` as a step; `outcome` sets what the end line says after the label. */
  step<T>(label: string, work: (outcome: (text: string) => void) => Promise<T>): Promise<T>;
  /** A line under the current step (a child's progress). */
  detail(text: string): void;
  /** A line of its own. */
  note(text: string): void;
}

/** "850 ms", "12.3 s", "2 min 05 s". */
export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export function lineProgress(write: (text: string) => void, now: () => number = Date.now): LaunchProgress {
  return {
    async step(label, work) {
      const started = now();
      let outcome = '';
      write(`… ${label}\n`);
      try {
        const result = await work((text) => (outcome = text));
        write(`✔ ${label}${outcome === '' ? '' : `: ${outcome}`} (${formatElapsed(now() - started)})\n`);
        return result;
      } catch (error) {
        write(`✖ ${label} (${formatElapsed(now() - started)})\n`);
        throw error;
      }
    },
    detail: (text) => write(`    ${text}\n`),
    note: (text) => write(`${text}\n`),
  };
}
