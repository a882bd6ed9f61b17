import type { MemberId } from './types.js';

/**
 * Whether this node and the members it is connected to hold the vote quorum of the genesis
 * validators: floor(2P/3) + 1 of the total voting power P (with equal powers, floor(2n/3) + 1
 * of n members). Below it this node can neither decide nor help the others decide.
 */
export class QuorumReach {
  readonly totalPower: number;
  readonly quorumPower: number;
  private readonly powerById: ReadonlyMap<MemberId, number>;

  constructor(
    private readonly selfPower: number,
    remotes: readonly { readonly id: MemberId; readonly votingPower: number }[],
  ) {
    this.powerById = new Map(remotes.map((member) => [member.id, member.votingPower]));
    this.totalPower = remotes.reduce((total, member) => total + member.votingPower, selfPower);
    this.quorumPower = Math.floor((2 * this.totalPower) / 3) + 1;
  }

  /** True when this node plus `connected` (remote member ids; unknown ids count nothing) reach the quorum. */
  reachable(connected: Iterable<MemberId>): boolean {
    let power = this.selfPower;
    for (const id of new Set(connected)) power += this.powerById.get(id) ?? 0;
    return power >= this.quorumPower;
  }
}
