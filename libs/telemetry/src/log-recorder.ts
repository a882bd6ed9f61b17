import { Writable } from 'node:stream';

/**
 * A log destination that keeps the JSON lines it receives in memory. Tests (here and in every
 * package or consortium tool built on this logger) pass it as `logDestination` and assert on
 * what was logged, with trace ids and all, instead of scraping stdout.
 */
export class LogRecorder extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }

  /** Lines whose message contains `text`. */
  find(text: string): Record<string, unknown>[] {
    return this.lines.filter((line) => typeof line.msg === 'string' && line.msg.includes(text));
  }
}
