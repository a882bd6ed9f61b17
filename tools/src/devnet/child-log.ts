import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * Appends a child's stdout and stderr to `logFile`; resolves once everything it wrote is in the
 * file. A child's 'exit' comes before its pipes are drained: a caller that reads the log (or
 * exits) on 'exit' can miss the last lines, which are the ones that say why it stopped. Neither
 * pipe ends the file (the other may still write): it is ended after 'close', when both have.
 */
export function appendChildOutput(child: ChildProcess, logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  return new Promise<void>((done) => {
    child.once('close', () => log.end(() => done()));
  });
}
