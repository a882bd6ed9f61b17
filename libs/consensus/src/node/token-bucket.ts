/**
 * A budget that refills over time: `perSecond` units per second, at most `burst` at once. The
 * relay and transaction gossip spend frames and bytes from such budgets, so what a node sends
 * stays within what its peers' rate limits accept (the limits table sets both). The clock is
 * the caller's: the simulator's virtual time works as well as the system's.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAtMs = nowMs;
  }

  available(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.updatedAtMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.perSecond) / 1000);
    this.updatedAtMs = Math.max(this.updatedAtMs, nowMs);
    return this.tokens;
  }

  /** Takes `amount` if that much is available now. */
  tryTake(amount: number, nowMs: number): boolean {
    if (this.available(nowMs) < amount) return false;
    this.tokens -= amount;
    return true;
  }
}
