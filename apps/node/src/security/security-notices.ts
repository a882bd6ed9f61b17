import type { SecurityEventKind } from './security-event.js';

/**
 * What an observer learns of the security events it may not see: their kind and how many, at
 * once, without who, where or what. The API's refusals (bad credentials, forbidden, rate
 * limited, invalid requests) are the business of admins and the member concerned; yet an
 * observer such as the dashboard must see a burst of them as it happens, not at its next scrape
 * of the counters (which already tell it as much). A flood must not become a flood of stream
 * messages: per kind, the first event after a quiet window is told at once, the others within
 * the window are counted and told in one notice when it ends. At most one notice per kind per
 * window, whatever the rate of refusals.
 */

export interface SecurityNotice {
  readonly kind: SecurityEventKind;
  /** Events of this kind since the previous notice of the kind. */
  readonly count: number;
  /** When the first of them happened (ms since the epoch). */
  readonly firstTimeMs: number;
  /** When the last of them happened. */
  readonly lastTimeMs: number;
}

export const SECURITY_NOTICE_WINDOW_MS = 250;

interface Pending {
  count: number;
  firstTimeMs: number;
  lastTimeMs: number;
}

export class SecurityNotices {
  /** Per kind: the window now open (null when its notice went out and nothing came since) or absent (quiet). */
  private readonly windows = new Map<SecurityEventKind, { pending: Pending | null; timer: NodeJS.Timeout }>();

  constructor(
    private readonly tell: (notice: SecurityNotice) => void,
    private readonly windowMs = SECURITY_NOTICE_WINDOW_MS,
  ) {}

  add(kind: SecurityEventKind, timeMs: number): void {
    const open = this.windows.get(kind);
    if (open === undefined) {
      this.tell({ kind, count: 1, firstTimeMs: timeMs, lastTimeMs: timeMs });
      this.openWindow(kind);
      return;
    }
    if (open.pending === null) open.pending = { count: 1, firstTimeMs: timeMs, lastTimeMs: timeMs };
    else {
      open.pending.count += 1;
      open.pending.lastTimeMs = timeMs;
    }
  }

  /** Tells what is pending and stops the timers (the node stops). */
  close(): void {
    for (const [kind, open] of this.windows) {
      clearTimeout(open.timer);
      if (open.pending !== null) this.tell({ kind, ...open.pending });
    }
    this.windows.clear();
  }

  /** A window ends: what came in it is told and a new window opens; nothing came: the kind is quiet again. */
  private openWindow(kind: SecurityEventKind): void {
    const timer = setTimeout(() => {
      const pending = this.windows.get(kind)?.pending ?? null;
      this.windows.delete(kind);
      if (pending === null) return;
      this.tell({ kind, ...pending });
      this.openWindow(kind);
    }, this.windowMs);
    timer.unref();
    this.windows.set(kind, { pending: null, timer });
  }
}
