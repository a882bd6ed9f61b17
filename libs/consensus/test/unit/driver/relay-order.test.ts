import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/state/machine.js';
import type { BlockValue, ConsensusState, ReceivedProposal, RoundState } from '../../../src/state/types.js';
import type { Block, SignedVote } from '../../../src/types.js';
import { relayOrder } from '../../../src/node/relay.js';
import type { ConsensusMessage } from '../../../src/node/wire.js';

// A stalled height is relayed within a budget of frames and bytes per tick, which cannot carry
// everything of a height stalled for many rounds. The simulator found two orders wanting:
// newest first never reached round 0 after a dozen nil rounds, whose prevotes were the proof of
// lock a restarted node needed (seed 263, 4 members); the lock's round first spent each tick on
// a Byzantine member's large proposals held there (seed 98, 4 members).

const hash = (byte: number) => new Uint8Array(32).fill(byte);
const value = (byte: number): BlockValue => ({ hash: hash(byte), block: { header: { height: 1 } } as unknown as Block });
const vote = (type: 'prevote' | 'precommit', round: number, validator: string, byte: number | null): SignedVote => ({
  type,
  height: 1,
  round,
  validator,
  blockHash: byte === null ? null : hash(byte),
  signature: new Uint8Array(64),
});
const proposal = (round: number, proposer: string, byte: number): ReceivedProposal => ({
  proposal: { height: 1, round, polRound: -1, proposer, blockHash: hash(byte), signature: new Uint8Array(64) },
  value: value(byte),
  valid: true,
});

/** Round r: a proposal of value r + 1 (and one of junk, 0xee, from the equivocator z), a prevote and a precommit by each of a and b. */
function roundState(round: number, withJunk = false): RoundState {
  const ballots = (type: 'prevote' | 'precommit') =>
    new Map([
      ['a', [vote(type, round, 'a', round + 1)]],
      ['b', [vote(type, round, 'b', null)]],
    ]);
  return {
    proposals: withJunk ? [proposal(round, 'z', 0xee), proposal(round, 'p', round + 1)] : [proposal(round, 'p', round + 1)],
    prevotes: ballots('prevote'),
    precommits: ballots('precommit'),
    prevoteTimeoutScheduled: false,
    precommitTimeoutScheduled: false,
    validValueUpdated: false,
  };
}

function machine(rounds: number, current: number, lockedRound: number, junkInRound = -1): ConsensusState {
  const locked = lockedRound >= 0 ? value(lockedRound + 1) : null;
  return {
    ...initialState(1),
    round: current,
    lockedRound,
    lockedValue: locked,
    validRound: lockedRound,
    validValue: locked,
    rounds: new Map(Array.from({ length: rounds }, (_, round) => [round, roundState(round, round === junkInRound)])),
  };
}

const describeMessage = (message: ConsensusMessage) =>
  message.kind === 'vote' ? `${message.vote.type} r${message.vote.round} ${message.vote.validator}` : message.kind === 'proposal' ? `proposal r${message.proposal.round} ${message.proposal.proposer}` : 'status';

describe('the relay order of a stalled height', () => {
  it("sends the current round's votes, then the lock's prevotes, then the current proposal and the locked one", () => {
    const order = relayOrder(machine(13, 12, 0, 0)).map(describeMessage);
    expect(order.slice(0, 8)).toEqual([
      'prevote r12 a',
      'prevote r12 b',
      'precommit r12 a',
      'precommit r12 b',
      'prevote r0 a',
      'prevote r0 b',
      'proposal r12 p',
      // Of round 0 only the proposal of the locked value, not the equivocator's junk.
      'proposal r0 p',
    ]);
    // Then every other vote, newest round first, and the other proposals last.
    expect(order.slice(8, 12)).toEqual(['prevote r11 a', 'prevote r11 b', 'precommit r11 a', 'precommit r11 b']);
    expect(order.slice(-2)).toEqual(['proposal r1 p', 'proposal r0 z']);
  });

  it('sends each message once', () => {
    const order = relayOrder(machine(5, 4, 2, 2));
    // 5 rounds x 4 votes, 5 proposals and the junk one.
    expect(order).toHaveLength(26);
    expect(new Set(order).size).toBe(26);
  });

  it("is the current round, then newest first, votes before proposals, without a lock", () => {
    const order = relayOrder(machine(3, 2, -1)).map(describeMessage);
    expect(order.filter((line) => line.startsWith('prevote'))).toEqual(['prevote r2 a', 'prevote r2 b', 'prevote r1 a', 'prevote r1 b', 'prevote r0 a', 'prevote r0 b']);
    expect(order[4]).toBe('proposal r2 p');
    expect(order.slice(-2)).toEqual(['proposal r1 p', 'proposal r0 p']);
  });
});
