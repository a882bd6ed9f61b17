import type { Genesis, GenesisMember, MemberId } from './genesis/types.js';

/**
 * The validator set from genesis: voting power, the quorum and the proposer rotation. With a
 * total power P the network tolerates validators holding f < P/3 and decides with a quorum of
 * floor(2P/3) + 1 (4 of 5 equal members, 3 of 4, 5 of 7).
 */
export class ValidatorSet {
  readonly members: readonly GenesisMember[];
  readonly totalPower: number;
  /** Power needed to decide: floor(2P/3) + 1. */
  readonly quorumPower: number;
  /** Power that guarantees at least one correct validator among the senders: floor(P/3) + 1. */
  readonly oneThirdPlusPower: number;
  private readonly byId: ReadonlyMap<MemberId, GenesisMember>;

  constructor(members: readonly GenesisMember[]) {
    if (members.length === 0) throw new Error('a validator set needs at least one member');
    this.members = members;
    this.byId = new Map(members.map((member) => [member.id, member]));
    this.totalPower = members.reduce((total, member) => total + member.votingPower, 0);
    this.quorumPower = Math.floor((2 * this.totalPower) / 3) + 1;
    this.oneThirdPlusPower = Math.floor(this.totalPower / 3) + 1;
  }

  static fromGenesis(genesis: Genesis): ValidatorSet {
    return new ValidatorSet(genesis.members);
  }

  get size(): number {
    return this.members.length;
  }

  get(id: MemberId): GenesisMember | undefined {
    return this.byId.get(id);
  }

  has(id: MemberId): boolean {
    return this.byId.has(id);
  }

  powerOf(id: MemberId): number {
    return this.byId.get(id)?.votingPower ?? 0;
  }

  /** Round-robin in genesis order: height and round both move the proposer along. */
  proposer(height: number, round: number): MemberId {
    const index = (height + round) % this.members.length;
    return (this.members[index] as GenesisMember).id;
  }

  /** Sum of the power of distinct known validators among `ids`. */
  powerOfSet(ids: Iterable<MemberId>): number {
    let power = 0;
    const seen = new Set<MemberId>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      power += this.powerOf(id);
    }
    return power;
  }
}
