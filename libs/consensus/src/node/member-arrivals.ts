import type { MemberId } from '../genesis/types.js';

/**
 * Which members connected since the last look. The transport announces no connections, so the
 * node compares the connected set at each status tick. A member that dropped and came back
 * between two looks is not seen as new (its link was down for less than a tick).
 */
export class MemberArrivals {
  /** Bounded by the member set: the transport connects only members. */
  private known: ReadonlySet<MemberId> = new Set();

  /** Starts from the members connected now: they get what the node gossips from here on. */
  reset(connected: readonly MemberId[]): void {
    this.known = new Set(connected);
  }

  /** The members of `connected` that were not connected at the last look, in `connected`'s order. */
  arrivals(connected: readonly MemberId[]): MemberId[] {
    const arrived = connected.filter((member) => !this.known.has(member));
    this.known = new Set(connected);
    return arrived;
  }
}
