import { randomBytes } from 'node:crypto';

/**
 * Browser sessions made by POST /api/session: an unguessable id in an HttpOnly, SameSite=Strict
 * cookie, valid for `ttlMs`. At most `max` live at once; the oldest goes first.
 */
export class SessionStore {
  /** Session id -> expiry (insertion order is age order). */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  create(): string {
    const id = randomBytes(32).toString('base64url');
    if (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(id, this.nowMs() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (id === undefined) return false;
    const expiry = this.sessions.get(id);
    if (expiry === undefined) return false;
    if (expiry <= this.nowMs()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.sessions.size;
  }
}
