import { describe, expect, it } from 'vitest';
import { QuorumReach } from '../../src/quorum.js';

const remotesOf = (count: number, power = 1) => Array.from({ length: count - 1 }, (_, i) => ({ id: `m${i + 1}`, votingPower: power }));

describe('QuorumReach', () => {
  // n members of equal power need floor(2n/3) + 1 of them: 3 of 4, 4 of 5, 5 of 7.
  for (const [members, needed] of [[4, 3], [5, 4], [7, 5]] as const) {
    it(`needs ${needed} of ${members} equal members, this node included`, () => {
      const quorum = new QuorumReach(1, remotesOf(members));
      expect(quorum.quorumPower).toBe(needed);
      const ids = remotesOf(members).map((m) => m.id);
      expect(quorum.reachable(ids.slice(0, needed - 2))).toBe(false);
      expect(quorum.reachable(ids.slice(0, needed - 1))).toBe(true);
      expect(quorum.reachable(ids)).toBe(true);
    });
  }

  it('weighs members by their voting power from genesis', () => {
    // Total 1 + 5 + 1 + 1 = 8: the quorum is 6, reached only with the heavy member.
    const quorum = new QuorumReach(1, [{ id: 'heavy', votingPower: 5 }, { id: 'a', votingPower: 1 }, { id: 'b', votingPower: 1 }]);
    expect(quorum.quorumPower).toBe(6);
    expect(quorum.reachable(['a', 'b'])).toBe(false);
    expect(quorum.reachable(['heavy'])).toBe(true);
  });

  it('counts a connected id once, and an id outside genesis not at all', () => {
    const quorum = new QuorumReach(1, remotesOf(4));
    expect(quorum.reachable(['m1', 'm1', 'm1'])).toBe(false);
    expect(quorum.reachable(['m1', 'stranger', 'another'])).toBe(false);
  });
});
