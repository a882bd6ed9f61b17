import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecurityEvent } from './security-event.js';

/**
 * The append-only security log: one JSON line per event (who, what, when, where), for the
 * operator's SIEM and for the record after an incident.
 *
 * - Opened with 'a' (O_APPEND): every write lands at the end, even beside a log shipper or a
 *   second writer; nothing in the node ever truncates or rewrites the file (rotation is the
 *   operator's logrotate with copytruncate or a restart).
 * - One write per line, serialised: lines never interleave.
 * - fsync policy: at most one `datasync` per second while lines arrive, and one at close. A sync
 *   per event would let anyone who can send a bad request turn each request into a disk flush
 *   (an easy denial of service); a crash loses at most the last second of lines, which were also
 *   counted in metrics and published on the event stream.
 * - Bounded: at most MAX_PENDING_BYTES wait for the disk; beyond that an event is dropped from
 *   the file (still counted and published) and the drop is counted, never the node's memory.
 */

const FSYNC_INTERVAL_MS = 1_000;
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export type SecurityLogDropReason = 'queue_full' | 'write_failed';

export interface SecurityLogOptions {
  /** Called when a line could not be written (counted by the caller). */
  readonly onDrop?: (reason: SecurityLogDropReason, error?: Error) => void;
}

export class SecurityLog {
  private tail: Promise<void> = Promise.resolve();
  private pendingBytes = 0;
  private dirty = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly options: SecurityLogOptions,
  ) {}

  static async open(file: string, options: SecurityLogOptions = {}): Promise<SecurityLog> {
    await mkdir(dirname(file), { recursive: true });
    // 0o600: the log names clients and addresses.
    return new SecurityLog(file, await open(file, 'a', 0o600), options);
  }

  /** The line written for an event: ISO time first, so the file sorts and greps by time. */
  static lineOf(event: SecurityEvent): string {
    const { timeMs, ...rest } = event;
    return `${JSON.stringify({ time: new Date(timeMs).toISOString(), ...rest })}\n`;
  }

  append(event: SecurityEvent): void {
    if (this.closed) return;
    const line = SecurityLog.lineOf(event);
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes + bytes > MAX_PENDING_BYTES) {
      this.options.onDrop?.('queue_full');
      return;
    }
    this.pendingBytes += bytes;
    this.tail = this.tail.then(async () => {
      try {
        await this.handle.write(line);
        this.dirty = true;
        this.scheduleSync();
      } catch (error) {
        this.options.onDrop?.('write_failed', error as Error);
      } finally {
        this.pendingBytes -= bytes;
      }
    });
  }

  /** Resolves when every line appended so far is written (not necessarily synced). */
  flushed(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    await this.tail;
    await this.handle.datasync().catch(() => undefined);
    await this.handle.close();
  }

  private scheduleSync(): void {
    if (this.syncTimer !== null || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      if (!this.dirty) return;
      this.dirty = false;
      this.tail = this.tail.then(() => this.handle.datasync().catch((error: unknown) => this.options.onDrop?.('write_failed', error as Error)));
    }, FSYNC_INTERVAL_MS);
    // A pending sync must not keep a stopping process alive; close() syncs anyway.
    this.syncTimer.unref();
  }
}
